# Installation in the FHS places and the Debian package (`make package` / `cpack -G DEB`).
#
#   bin/pictor, bin/pictor-cli
#   share/applications/io.github.pictor.Pictor.desktop
#   share/metainfo/io.github.pictor.Pictor.metainfo.xml
#   share/icons/hicolor/scalable/apps/io.github.pictor.Pictor.svg
#   share/icons/hicolor/<N>x<N>/apps/io.github.pictor.Pictor.png   (rendered at build time)
#   share/doc/pictor/copyright                                     (LICENSE, MIT)
include(GNUInstallDirs)

set(PICTOR_APP_ID io.github.pictor.Pictor)
set(PICTOR_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

if(PICTOR_BUILD_UI AND TARGET pictor_ui)
    install(FILES ${PICTOR_PACKAGING_DIR}/${PICTOR_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${PICTOR_PACKAGING_DIR}/${PICTOR_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/${PICTOR_APP_ID}.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

    # PNG icons drawn by the same QPainter code as the window icon (no SVG renderer needed).
    add_executable(pictor-render-icons ${PICTOR_PACKAGING_DIR}/render_icons.cpp ${PROJECT_SOURCE_DIR}/ui/app_icon.cpp)
    target_include_directories(pictor-render-icons PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(pictor-render-icons PRIVATE Qt6::Gui)
    target_compile_definitions(pictor-render-icons PRIVATE QT_NO_KEYWORDS)
    set(PICTOR_ICON_SIZES 16 24 32 48 64 128 256 512)
    set(icon_dir ${CMAKE_BINARY_DIR}/icons)
    set(icon_outputs)
    foreach(size IN LISTS PICTOR_ICON_SIZES)
        list(APPEND icon_outputs ${icon_dir}/${size}x${size}/${PICTOR_APP_ID}.png)
        install(FILES ${icon_dir}/${size}x${size}/${PICTOR_APP_ID}.png
                DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
    endforeach()
    add_custom_command(OUTPUT ${icon_outputs}
        COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen $<TARGET_FILE:pictor-render-icons> ${icon_dir}
        DEPENDS pictor-render-icons
        COMMENT "Rendering the PNG application icons")
    add_custom_target(pictor_icons ALL DEPENDS ${icon_outputs})

    if(PICTOR_BUILD_TESTS)
        # The validators come from the Makefile's package list (appstream, desktop-file-utils); a
        # missing one is a failing test, never a test that silently is not there.
        find_program(PICTOR_APPSTREAMCLI appstreamcli)
        if(PICTOR_APPSTREAMCLI)
            add_test(NAME packaging_appstream_validate
                     COMMAND ${PICTOR_APPSTREAMCLI} validate --no-net ${PICTOR_PACKAGING_DIR}/${PICTOR_APP_ID}.metainfo.xml)
        else()
            add_test(NAME packaging_appstream_validate
                     COMMAND sh -c "echo 'appstreamcli not found: install the appstream package (make deps)'; exit 1")
        endif()
        add_test(NAME packaging_install_layout
                 COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DPREFIX=${CMAKE_BINARY_DIR}/install-check
                         -P ${PICTOR_PACKAGING_DIR}/check_install.cmake)
        find_program(PICTOR_DESKTOP_FILE_VALIDATE desktop-file-validate)
        if(PICTOR_DESKTOP_FILE_VALIDATE)
            add_test(NAME packaging_desktop_file_validate
                     COMMAND ${PICTOR_DESKTOP_FILE_VALIDATE} ${PICTOR_PACKAGING_DIR}/${PICTOR_APP_ID}.desktop)
        else()
            add_test(NAME packaging_desktop_file_validate
                     COMMAND sh -c "echo 'desktop-file-validate not found: install desktop-file-utils (make deps)'; exit 1")
        endif()
    endif()
endif()

# The license, where Debian packages keep it.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pictor RENAME copyright)

# ---- CPack: a .deb ------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pictor)
set(CPACK_PACKAGE_VENDOR "The Pictor developers")
set(CPACK_PACKAGE_CONTACT "The Pictor developers <pictor@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Stable Diffusion, CLIP and ResNet studio (Qt 6 + LibTorch)")
# One string: several quoted arguments would become a CMake list, and its ';' would end up in the
# control file.
set(CPACK_PACKAGE_DESCRIPTION "Pictor generates images with Stable Diffusion 1.x, scores them with CLIP \
zero-shot, compares CLIP with a ResNet50 ImageNet classifier and transfer-learns ResNet18 classifiers, in a \
native Qt 6 studio and the pictor-cli command line tool. Model weights are not included: the model manager \
downloads them into the Hugging Face and torch hub caches.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/pictor/pictor")
# Shared-library dependencies come from dpkg-shlibdeps; OpenBLAS is loaded through the BLAS
# alternatives (not a direct DT_NEEDED), yet without it LibTorch's matrix products run ~15× slower.
find_program(PICTOR_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(PICTOR_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp | libopenblas0, fonts-dejavu-core")
else()
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
        "libtorch1.13, libqt6widgets6, libqt6gui6, libqt6core6, libqt6charts6, libyaml-cpp0.7, libicu72, libpng16-16, libjpeg62-turbo, libfreetype6, fonts-dejavu-core, libcurl4, libssl3, libopenblas0-openmp | libopenblas0")
endif()
include(CPack)
