# cpack -G DEB (from the build tree) -> ipclab_<version>_<arch>.deb, the
# version being project(VERSION) above.  Depends come from dpkg-shlibdeps
# (libc6); what the scripts and notebooks use is recommended or suggested.
set(CPACK_PACKAGE_NAME ipclab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "ipclab maintainers <ipclab@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DESCRIPTION
"One driver moves a stream of bytes (or ping-pongs messages) between two
processes over interchangeable transports (shared memory, pipes, sockets,
message queues), sweeps the block size and memory options, and measures
throughput, latency, CPU time and context switches. Includes the plot and
report scripts, the lab notebooks, and the header for student transports.")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "gnuplot-nox, python3, python3-matplotlib, python3-numpy, pkg-config, gcc | c-compiler, libc6-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "hyperfine, jupyter-notebook, jupyter-nbconvert, python3-ipykernel, bash-completion")
include(CPack)
