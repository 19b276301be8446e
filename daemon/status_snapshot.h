// The daemon's `status` as one value: what the MessagePack `status` method answers, what
// /metrics reads its gauges from.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "fleet/fleet.h"
#include "protocol/messages.h"
#include "router/router.h"
#include "store/store.h"

namespace switchyard {

// `store` null: the history is off; `fleet` null: no fleet. `connections`: client
// connections open now.
StatusResult StatusSnapshot(Router& router, const Store* store, const Fleet* fleet,
                            const Clock& clock, int64_t started_ms, int64_t connections);

}  // namespace switchyard
