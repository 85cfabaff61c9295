// pictor_core is the union of the engine libraries it links; this file only gives it an object.
