# ctest: `cmake --install` into a temporary prefix puts every file in its FHS place.
#   cmake -DBUILD_DIR=... -DPREFIX=... -P check_install.cmake
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
set(expected
    bin/pictor
    bin/pictor-cli
    share/applications/io.github.pictor.Pictor.desktop
    share/metainfo/io.github.pictor.Pictor.metainfo.xml
    share/icons/hicolor/scalable/apps/io.github.pictor.Pictor.svg
    share/icons/hicolor/16x16/apps/io.github.pictor.Pictor.png
    share/icons/hicolor/48x48/apps/io.github.pictor.Pictor.png
    share/icons/hicolor/256x256/apps/io.github.pictor.Pictor.png
    share/icons/hicolor/512x512/apps/io.github.pictor.Pictor.png)
foreach(f IN LISTS expected)
    if(NOT EXISTS ${PREFIX}/${f})
        message(FATAL_ERROR "missing after install: ${f}")
    endif()
endforeach()
file(REMOVE_RECURSE ${PREFIX})
message(STATUS "install layout ok")
