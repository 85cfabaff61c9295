# CLIP vs ResNet on one image, with ImageNet object groups.
pictor_engine_library(pictor_compare
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/compare.cpp
    DEPS pictor_zero_shot pictor_classify pictor_resnet pictor_util)
pictor_embed_resource(pictor_compare imagenet_groups_json ${PROJECT_SOURCE_DIR}/resources/imagenet_groups.json)
