#include "status_snapshot.h"

#include "version.h"

namespace switchyard {

StatusResult StatusSnapshot(Router& router, const Store* store, const Fleet* fleet,
                            const Clock& clock, int64_t started_ms, int64_t connections) {
  StatusResult st;
  st.version = kSwitchyardVersion;
  st.uptime_ms = clock.NowMs() - started_ms;
  st.requests_in_flight = static_cast<int64_t>(router.in_flight());
  st.connections = connections;
  router.FillStatus(&st);
  if (store) {
    StoreStats ss = store->Stats();
    st.history.enabled = true;
    st.history.queued_rows = ss.queued_rows;
    st.history.written_rows = ss.written_rows;
    st.history.dropped_rows = ss.dropped_rows;
    st.history.write_errors = ss.write_errors;
  }
  if (fleet) st.fleet = fleet->Describe();
  return st;
}

}  // namespace switchyard
