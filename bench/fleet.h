// The `fleet` section: what sharing breakers through Redis (fleet/fleet.h) saves. Daemons
// standing in for hosts, each with its own fake provider, and a real redis-server on
// loopback.
#pragma once

namespace switchyard::bench {

void BenchFleet();

}  // namespace switchyard::bench
