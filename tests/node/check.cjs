// What the SDK tests share: a check that prints ok/FAIL and counts failures, the fake
// provider's fault control, and the exit code.
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures++;
}

function faulter(fake) {
  return async (model, query) => {
    const r = await fetch(`${fake}/_control/fault?model=${model}&${query}`);
    await r.text();
  };
}

// Runs `main` and exits 0 only if it finished and every check held.
function run(main) {
  main().then(() => process.exit(failures ? 1 : 0), (e) => {
    console.log('FAIL ' + (e && e.stack || e));
    process.exit(1);
  });
}

module.exports = { check, faulter, run };
