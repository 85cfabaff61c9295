# Prompt conditioning as AUTOMATIC1111 computes it (weighted chunks, CLIP skip, emphasis, padding).
pictor_engine_library(pictor_prompt_encoding
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/prompt_encoding.cpp
    DEPS pictor_clip pictor_text pictor_util)
