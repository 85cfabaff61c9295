# Text-to-image with Stable Diffusion (diffusers' StableDiffusionPipeline).
pictor_engine_library(pictor_txt2img
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/txt2img.cpp
    DEPS pictor_prompt_encoding pictor_stable_diffusion pictor_sd_models pictor_clip pictor_text pictor_schedulers pictor_image pictor_io pictor_util)
