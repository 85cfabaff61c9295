# clang (14 and 16 alike) refuses LibTorch 1.13's <ATen/core/List.h> in C++20 mode: two inline
# non-template functions there use std::vector<IValue> while IValue is still incomplete, which
# libstdc++ 12's constexpr vector makes ill-formed (GCC accepts it). For the clang fuzz build only,
# a patched copy of that one header is generated into the build folder and put before the system
# one: the constructor becomes a template and ptr_to_first_element is defined after List_inl.h,
# both with identical code. Nothing outside the build folder is changed.
find_file(PICTOR_ATEN_LIST_H ATen/core/List.h PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
if(NOT PICTOR_ATEN_LIST_H)
    find_file(PICTOR_ATEN_LIST_H ATen/core/List.h)
endif()
file(READ "${PICTOR_ATEN_LIST_H}" list_h)
set(ctor_old "  explicit ListImpl(list_type list_, TypePtr elementType_)\n")
set(ctor_new "  template <class L = list_type>\n  explicit ListImpl(L list_, TypePtr elementType_)\n")
set(first_old "inline const IValue* ptr_to_first_element(const GenericList& list) {\n  return &list.impl_->list[0];\n}\n")
set(first_decl "inline const IValue* ptr_to_first_element(const GenericList& list);\n")
string(FIND "${list_h}" "${ctor_old}" ctor_at)
string(FIND "${list_h}" "${first_old}" first_at)
if(ctor_at EQUAL -1 OR first_at EQUAL -1)
    message(STATUS "ATen/core/List.h needs no clang overlay (not LibTorch 1.13's text)")
else()
    string(REPLACE "${ctor_old}" "${ctor_new}" list_h "${list_h}")
    string(REPLACE "${first_old}" "${first_decl}" list_h "${list_h}")
    string(APPEND list_h "\n// Moved here by Pictor's cmake/ClangLibTorchOverlay.cmake (IValue is complete now).\n"
           "namespace c10 { namespace impl {\n${first_old}} }\n")
    set(overlay ${CMAKE_BINARY_DIR}/libtorch-clang-overlay)
    file(WRITE ${overlay}/ATen/core/List.h "// Generated from ${PICTOR_ATEN_LIST_H}. Do not edit.\n${list_h}")
    include_directories(BEFORE SYSTEM ${overlay})
    message(STATUS "clang: using the patched ATen/core/List.h in ${overlay}")
endif()
