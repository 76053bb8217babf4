# Install rules: cmake --install BUILD --prefix P gives
#   P/bin/ipclab
#   P/share/ipclab/{scripts,notebooks,exercises,results/reference}
#       (the source tree's layout, so the notebooks and `ipclab plot` find
#        them: see bench/cmd/scripts_cmd.c)
#   P/include/ipclab/{transport.h,region.h,util.h}   (student transports)
#   P/share/pkgconfig/ipclab.pc
#   P/share/man/man1/ipclab.1.gz   (rendered from the binary's --help texts)
#   P/share/bash-completion/completions/ipclab
include(GNUInstallDirs)
set(IPCLAB_DATA ${CMAKE_INSTALL_DATADIR}/ipclab)

# A binary run from its build tree finds the scripts in its source tree.
set_property(SOURCE ${CMAKE_SOURCE_DIR}/bench/cmd/scripts_cmd.c APPEND
             PROPERTY COMPILE_DEFINITIONS IPCLAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                          IPCLAB_BUILD_DIR="${CMAKE_BINARY_DIR}")

install(TARGETS ipclab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Every Python script and its data (a new one is installed without editing
# this), pyrun, the gnuplot files, and the scripts that need no source tree.
install(DIRECTORY scripts/ DESTINATION ${IPCLAB_DATA}/scripts
        USE_SOURCE_PERMISSIONS FILES_MATCHING
        PATTERN "*.py" PATTERN "*.csv" PATTERN "*.gp" PATTERN "README.md"
        PATTERN "pyrun" PATTERN "hugepages.sh"
        PATTERN "lib" EXCLUDE)
# The instructor's answers stay out of what students' machines get.
install(DIRECTORY notebooks/ DESTINATION ${IPCLAB_DATA}/notebooks
        FILES_MATCHING PATTERN "*.ipynb" PATTERN "README.md"
        PATTERN "instructor" EXCLUDE)
install(DIRECTORY results/reference/ DESTINATION ${IPCLAB_DATA}/results/reference)
install(FILES results/README.md DESTINATION ${IPCLAB_DATA}/results)
install(FILES ipc/exercises/template.c ipc/exercises/example.c
        DESTINATION ${IPCLAB_DATA}/exercises)
install(FILES ipc/transport.h ipc/region.h ipc/util.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ipclab)

configure_file(packaging/ipclab.pc.in ${CMAKE_BINARY_DIR}/ipclab.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/ipclab.pc
        DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)

# The man page is rendered from `ipclab --help` and every `ipclab CMD
# --help` of the built binary, so it cannot drift from them.
set(IPCLAB_MAN ${CMAKE_BINARY_DIR}/man/ipclab.1)
add_custom_command(OUTPUT ${IPCLAB_MAN} ${IPCLAB_MAN}.gz
  COMMAND bash ${CMAKE_SOURCE_DIR}/packaging/gen-man.sh $<TARGET_FILE:ipclab>
          ${IPCLAB_MAN} ${PROJECT_VERSION}
  COMMAND gzip -9nkf ${IPCLAB_MAN}
  DEPENDS ipclab ${CMAKE_SOURCE_DIR}/packaging/gen-man.sh
  COMMENT "Rendering the man page from ipclab's --help texts" VERBATIM)
add_custom_target(ipclab_man ALL DEPENDS ${IPCLAB_MAN}.gz)
install(FILES ${IPCLAB_MAN}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES packaging/ipclab.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ipclab)
