# torchvision ResNet family (BasicBlock / Bottleneck), torchvision parameter names.
pictor_engine_library(pictor_resnet
    SOURCES
        ${CMAKE_CURRENT_LIST_DIR}/resnet.cpp
    DEPS pictor_io pictor_util)
