# Stable Diffusion networks: UNet2DConditionModel and AutoencoderKL (diffusers names) and their
# shared building blocks.
pictor_engine_library(pictor_sd_models
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/sd_layers.cpp
        ${CMAKE_CURRENT_LIST_DIR}/embeddings.cpp
        ${CMAKE_CURRENT_LIST_DIR}/resnet_block2d.cpp
        ${CMAKE_CURRENT_LIST_DIR}/attention.cpp
        ${CMAKE_CURRENT_LIST_DIR}/transformer_2d.cpp
        ${CMAKE_CURRENT_LIST_DIR}/unet_2d_blocks.cpp
        ${CMAKE_CURRENT_LIST_DIR}/unet_2d_condition.cpp
        ${CMAKE_CURRENT_LIST_DIR}/vae.cpp
        ${CMAKE_CURRENT_LIST_DIR}/sd_loader.cpp
    DEPS pictor_io pictor_util)
