# ImageNet classification: torchvision preprocessing presets, class names, top-k.
pictor_engine_library(pictor_classify
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/classify.cpp
        ${CMAKE_CURRENT_LIST_DIR}/imagenet_preprocess.cpp
    DEPS pictor_resnet pictor_image pictor_util)
pictor_embed_resource(pictor_classify imagenet_classes_txt ${PROJECT_SOURCE_DIR}/resources/imagenet_classes.txt)
