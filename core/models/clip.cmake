# CLIP: text/vision transformers, CLIPModel (transformers names) and the CLIP image processor.
pictor_engine_library(pictor_clip
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/clip.cpp
        ${CMAKE_CURRENT_LIST_DIR}/clip_image_processor.cpp
    DEPS pictor_io pictor_image pictor_util)
