// Stands in for <uv.h> in the pure layers' build (CMakeLists.txt, switchyard_pure): those
// layers take time and bytes as arguments and must build and test without I/O libraries.
#error "<uv.h> in a pure layer (base, config, protocol, prompt, answer, resilience, providers): do the I/O in http/, loop/, store/, router/ or ipc/ and hand the pure code what it needs"
