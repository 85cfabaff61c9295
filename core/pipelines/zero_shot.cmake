# CLIP zero-shot label scoring (images × labels → probabilities).
pictor_engine_library(pictor_zero_shot
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/zero_shot.cpp
    DEPS pictor_clip pictor_text pictor_image pictor_io pictor_util)
