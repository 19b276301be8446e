// The chat surface's cost (switchyard_bench --only chat): what a tool-call request and a
// json_schema answer add to the daemon's work, in microseconds per request.
//   - In process, the pure path each request takes (read at the door, written for the
//     provider, the answer read and checked, written for the client): a plain text request,
//     a tool-call request (two tools, a tool turn in the history, a call in the answer,
//     checked against its schema), and a json_schema answer (a 1 KB schema, a 2 KB answer)
//     validated with the schema cached and compiled afresh; and a "pattern" (RE2) checked
//     against a 16,000-character string, ordinary patterns and adversarial ones.
//   - Through the daemon at 1 in flight, alternated: the same three requests end to end
//     over MessagePack, the fake provider answering at once.
#pragma once

namespace switchyard::bench {

void BenchChat();

}  // namespace switchyard::bench
