# Debian packages, through CPack's DEB generator (`cmake --build BUILD --target package`):
#   switchyard          switchyardd and switchyard in /usr/bin, the systemd units, the system
#                       user (sysusers.d), /etc/switchyard/switchyard.toml as a conffile,
#                       man pages made from each binary's --help by help2man, the docs
#   python3-switchyard  the Python client, for Debian's python3
# The client library and its headers (component "dev") are installed by `cmake --install`
# but packaged in neither. Maintainer scripts, the copyright file and the changelog are in
# packaging/debian/; docs/operating.md says how the package is installed and removed.

set(SWITCHYARD_MAINTAINER "switchyard developers <maintainers@switchyard.example.org>")

# Man pages: help2man runs each built binary's --help and --version.
find_program(HELP2MAN help2man)
set(man_dir ${PROJECT_BINARY_DIR}/man)
set(man_pages)
if(HELP2MAN)
  foreach(bin switchyardd switchyard)
    if(bin STREQUAL "switchyardd")
      set(what "keeps an application's LLM calls alive through provider trouble")
    else()
      set(what "asks a running switchyardd for its status and history")
    endif()
    add_custom_command(
      OUTPUT ${man_dir}/${bin}.1.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --name=${what}
              --version-string=${PROJECT_VERSION} --output=${man_dir}/${bin}.1 $<TARGET_FILE:${bin}>
      COMMAND gzip -9nf ${man_dir}/${bin}.1
      DEPENDS ${bin}
      COMMENT "man page of ${bin}"
      VERBATIM)
    list(APPEND man_pages ${man_dir}/${bin}.1.gz)
  endforeach()
  add_custom_target(man_pages ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT switchyard)
endif()

# Debian wants a changelog and a copyright file in each package's doc folder, the changelog
# compressed without a timestamp.
add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/changelog.gz
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/debian/changelog > ${PROJECT_BINARY_DIR}/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog
  VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/changelog.gz)
foreach(pkg switchyard python3-switchyard)
  set(component switchyard)
  if(pkg STREQUAL "python3-switchyard")
    set(component python)
  endif()
  install(FILES ${PROJECT_BINARY_DIR}/changelog.gz ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg} COMPONENT ${component})
endforeach()

# The Python client, as Debian's python3 finds it.
install(DIRECTORY client/python/switchyard DESTINATION lib/python3/dist-packages
        COMPONENT python FILES_MATCHING PATTERN "*.py" PATTERN "py.typed")
install(FILES client/python/README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/python3-switchyard
        COMPONENT python)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME switchyard)
set(CPACK_PACKAGE_VENDOR "switchyard developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL switchyard python)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SWITCHYARD_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://switchyard.example.org")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_NAME switchyard)
set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_DEPENDS "systemd | systemd-standalone-sysusers")
set(CPACK_DEBIAN_SWITCHYARD_DESCRIPTION
   "LLM failover sidecar: keeps an application's LLM features alive
switchyardd routes each LLM request down a tiered chain of models (OpenAI,
Anthropic, Gemini, Azure OpenAI, Bedrock, local servers) with timeouts learned
from each model's latency, circuit breakers, fallback on errors, rate limits,
context overflows and partial failures, and cost accounting. Every attempt is
written to a SQLite history. Applications reach it over a Unix socket or,
unchanged, through the OpenAI or Anthropic SDK.")
set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_SWITCHYARD_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-switchyard)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3:any, python3-msgpack")
set(CPACK_DEBIAN_PYTHON_DESCRIPTION
   "Python client of switchyard, the LLM failover sidecar
Sends LLM requests to a local switchyardd over its Unix socket, from
threads or asyncio, with streams, tools and structured outputs.")

include(CPack)
