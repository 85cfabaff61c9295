# Shared compile settings for every engine library.
#
# The engine is split into one static library per area (io, image, text, models, ...) so that a
# test of one area builds only what it needs; `pictor_core` links them all together and is what
# the front ends use.

# TORCH_CXX_FLAGS carries the _GLIBCXX_USE_CXX11_ABI setting of the LibTorch we build against.
separate_arguments(PICTOR_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")

# One precompiled header for all engine code (LibTorch headers dominate compile time).
add_library(pictor_pch STATIC ${PROJECT_SOURCE_DIR}/core/util/pch.cpp)
target_compile_options(pictor_pch PUBLIC ${PICTOR_TORCH_CXX_FLAGS} -Wall -Wextra -Wno-unused-parameter)
target_include_directories(pictor_pch PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(pictor_pch PUBLIC ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json Threads::Threads)
target_precompile_headers(pictor_pch PRIVATE ${PROJECT_SOURCE_DIR}/core/util/pch.h)

# pictor_engine_library(NAME SOURCES... [DEPS ...]): a static engine library reusing the PCH.
function(pictor_engine_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_link_libraries(${name} PUBLIC pictor_pch ${ARG_DEPS})
    target_precompile_headers(${name} REUSE_FROM pictor_pch)
    set_property(GLOBAL APPEND PROPERTY PICTOR_ENGINE_LIBS ${name})
endfunction()

# pictor_embed_resource(TARGET NAME FILE): compiles FILE into TARGET as
#   std::string_view pictor::resources::NAME();   (declared in core/util/resources.h)
# The engine has no Qt resource system; data files it needs at run time (default settings,
# ImageNet class names, ...) are built in so the binaries work from any folder.
function(pictor_embed_resource target name file)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${name}.cpp)
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -DINPUT=${file} -DOUTPUT=${out} -DNAME=${name}
                -P ${PROJECT_SOURCE_DIR}/cmake/EmbedResource.cmake
        DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/EmbedResource.cmake
        COMMENT "Embedding ${file} as pictor::resources::${name}()")
    target_sources(${target} PRIVATE ${out})
    set_source_files_properties(${out} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()
