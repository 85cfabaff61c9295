# ImageNet classification: class names, top-k (the torchvision preprocessing presets are in
# pictor_preprocess, core/image/imagenet_preprocess).
pictor_engine_library(pictor_classify
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/classify.cpp
    DEPS pictor_preprocess pictor_resnet pictor_image pictor_util)
pictor_embed_resource(pictor_classify imagenet_classes_txt ${PROJECT_SOURCE_DIR}/resources/imagenet_classes.txt)
