// The `peers` section: switchyard's HTTP doors beside calling the provider directly and
// beside a peer gateway (Portkey's, installed from npm into `npm_dir`), in one process and
// interleaved, on the same fake provider and the same load generator: 1 in flight, 64
// connections and 16 streams, each figure printed with its ratio. Without npm or Portkey the
// Portkey column says why and the others are still measured.
#pragma once

#include <string>

namespace switchyard::bench {

void BenchPeers(const std::string& npm_dir);

}  // namespace switchyard::bench
