// Fallback answers kept for the routes that ask, and `switchyard history` against real
// history files: the daemon's, an empty one, one of a newer schema.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>

#include "e2e/harness.h"
#include "e2e/history_db.h"

namespace switchyard::e2e {
namespace {

using testbed::PollUntil;

struct CliRun {
  int code = -1;
  std::string out;
};

// The CLI as an operator runs it: its own process, stdout and stderr together.
CliRun History(const TempDir& dir, const std::string& path, std::vector<std::string> args) {
  static int n = 0;
  std::string out = dir.File("history" + std::to_string(++n) + ".out");
  std::vector<std::string> argv = {std::string(SWITCHYARD_BIN_DIR) + "/switchyard", "history",
                                   "--history", path};
  argv.insert(argv.end(), args.begin(), args.end());
  CliRun r;
  {
    Process p(argv, {}, out);
    int status = 0;
    EXPECT_TRUE(p.Wait(10000, &status));
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  r.out = ReadFile(out);
  return r;
}

ClusterOptions TwoRoutes() {
  ClusterOptions opt;
  opt.route_toml = "keep_fallback_answers = true\n";
  opt.extra_toml =
      "[routes.plain]\ntiers = [\"gpt-4o\", \"gpt-4o-mini\"]\n"
      "[history]\nflush_ms = 10\n";
  return opt;
}

CompleteRequest On(const std::string& route, const std::string& prompt) {
  CompleteRequest req = Cluster::Ask(prompt);
  req.route = route;
  return req;
}

TEST(FallbackAnswers, KeptOnlyForRoutesThatAskAndOnlyWhenALowerTierServed) {
  Cluster cluster(TwoRoutes());
  auto c = cluster.Connect();
  ASSERT_EQ(c->Complete(On("chat", "served by the first tier")).result.model, "gpt-4o");
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  CompleteReply kept = c->Complete(On("chat", "kept: \"quoted\" prompt"));
  ASSERT_TRUE(kept.ok);
  ASSERT_EQ(kept.result.model, "gpt-4o-mini");
  ASSERT_EQ(c->Complete(On("plain", "not kept: the route did not ask")).result.model,
            "gpt-4o-mini");
  ASSERT_TRUE(cluster.StopDaemon().ok());  // everything on file

  Db db(cluster.history_path());
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM fallback_answers"), 1);
  EXPECT_EQ(db.Int("SELECT request_id FROM fallback_answers"), kept.result.request_id);
  EXPECT_EQ(db.Text("SELECT route || ' ' || served_by || ' ' || first_tier FROM fallback_answers"),
            "chat gpt-4o-mini gpt-4o");
  EXPECT_EQ(db.Text("SELECT reason FROM fallback_answers").rfind("server_error", 0), 0u);
  EXPECT_EQ(db.Text("SELECT json_extract(messages_json, '$[0].content') FROM fallback_answers"),
            "kept: \"quoted\" prompt");
  EXPECT_EQ(db.Text("SELECT content FROM fallback_answers"), kept.result.content);
  EXPECT_EQ(db.Text("SELECT finish_reason FROM fallback_answers"), kept.result.finish_reason);
  EXPECT_EQ(db.Int("SELECT truncated FROM fallback_answers"), 0);
  EXPECT_NE(db.Text("SELECT ts FROM fallback_answers_view").find('T'), std::string::npos);
  // The history file is the operator's and the daemon's only.
  auto perms = std::filesystem::status(cluster.history_path()).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(HistoryCommand, AnswersEachQuestionFromTheLiveFile) {
  ClusterOptions opt = TwoRoutes();
  opt.extra_toml += "[breaker]\nconsecutive_failures = 2\n";
  Cluster cluster(opt);
  auto c = cluster.Connect();
  ASSERT_TRUE(c->Complete(On("chat", "first")).ok);
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  for (int i = 0; i < 3; ++i) {
    CompleteRequest req = On("chat", "falls back");
    if (i == 2) {
      // The newest kept answer is a call of a tool.
      req.tools.push_back({"get_weather", "",
                           R"({"type":"object","properties":{"city":{"type":"string"}},)"
                           R"("required":["city"]})"});
    }
    ASSERT_TRUE(c->Complete(req).ok);
  }
  std::string path = cluster.history_path();
  Db db(path);
  ASSERT_TRUE(PollUntil(5000, [&] {
    return db.Int("SELECT COUNT(*) FROM fallback_answers") == 3 &&
           db.Int("SELECT COUNT(*) FROM breaker_transitions") >= 1;
  }));
  const TempDir& dir = cluster.dir();

  // While the daemon runs: the file is read as it is.
  CliRun r = History(dir, path, {"fallbacks"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("route  from    to           reason"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chat   gpt-4o  gpt-4o-mini  server_error  2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("breaker_open"), std::string::npos) << r.out;
  r = History(dir, path, {"--json", "fallbacks", "--since", "10m"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(
      r.out.find(
          R"({"route":"chat","from":"gpt-4o","to":"gpt-4o-mini","reason":"server_error","count":2})"),
      std::string::npos)
      << r.out;

  r = History(dir, path, {"breakers"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("gpt-4o  closed  open  2 consecutive failures"), std::string::npos) << r.out;
  r = History(dir, path, {"--json", "breakers"});
  EXPECT_NE(
      r.out.find(
          R"("from":"closed","to":"open","reason":"2 consecutive failures","open_until":"20)"),
      std::string::npos)
      << r.out;

  r = History(dir, path, {"latency", "--model", "gpt-4o-mini"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("hour               model        calls  ok  timeouts  p50_ms"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("gpt-4o-mini  3      3   0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" gpt-4o "), std::string::npos) << r.out;
  r = History(dir, path, {"--json", "latency"});
  EXPECT_NE(r.out.find(R"("model":"gpt-4o","calls":3,"ok":1,"timeouts":0)"), std::string::npos)
      << r.out;

  r = History(dir, path, {"cost", "--days", "1"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("day         route  model        calls"), std::string::npos) << r.out;
  r = History(dir, path, {"--json", "cost"});
  EXPECT_NE(r.out.find(R"("route":"chat","model":"gpt-4o-mini","calls":3,)"), std::string::npos)
      << r.out;

  r = History(dir, path, {"answers", "--limit", "2"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("route chat (task default): gpt-4o-mini served, not gpt-4o ("),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"(prompt: [{"role":"user","content":"falls back"}])"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("first"), std::string::npos) << r.out;  // the first tier served it
  EXPECT_NE(r.out.find(R"(  tool calls: [{"id":")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("name":"get_weather","arguments":"{\"city\":\"fake\"}"}])"),
            std::string::npos)
      << r.out;
  r = History(dir, path, {"--json", "answers", "--route", "chat", "--limit", "1"});
  EXPECT_EQ(r.out.rfind(R"([{"ts":")", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(R"("messages":[{"role":"user","content":"falls back"}])"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"("tool_calls":[{"id":")"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(R"("ts":")", 3), std::string::npos) << "one answer, as asked: " << r.out;
  r = History(dir, path, {"answers", "--route", "plain"});
  EXPECT_NE(r.out.find("no kept answers of route plain"), std::string::npos) << r.out;
}

TEST(HistoryCommand, EmptyMissingAndNewerFilesAreToldApart) {
  TempDir dir;
  // A history the daemon created and served nothing with.
  std::string fresh;
  {
    ClusterOptions opt;
    opt.history_file = dir.File("fresh.db");
    Cluster cluster(opt);
    fresh = cluster.history_path();
  }
  for (const char* what : {"fallbacks", "breakers", "latency", "cost", "answers"}) {
    CliRun r = History(dir, fresh, {what});
    EXPECT_EQ(r.code, 0) << what << ": " << r.out;
    EXPECT_EQ(r.out.rfind("no ", 0), 0u) << what << ": " << r.out;
    r = History(dir, fresh, {"--json", what});
    EXPECT_EQ(r.out, "[]\n") << what;
  }
  CliRun r = History(dir, dir.File("nowhere.db"), {"fallbacks"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(dir.File("nowhere.db") + ": no such file"), std::string::npos) << r.out;

  testbed::WriteFile(dir.File("zero.db"), "");
  r = History(dir, dir.File("zero.db"), {"breakers"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("zero.db: empty: not a switchyard history"), std::string::npos) << r.out;

  testbed::WriteFile(dir.File("text.db"), "not a database at all, just text\n");
  r = History(dir, dir.File("text.db"), {"breakers"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("text.db: not a SQLite database"), std::string::npos) << r.out;

  std::filesystem::copy_file(fresh, dir.File("newer.db"));
  { Db(dir.File("newer.db")).Exec("PRAGMA user_version = 99"); }
  r = History(dir, dir.File("newer.db"), {"cost"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("newer.db: history schema version 99 is newer than this switchyard knows"),
            std::string::npos)
      << r.out;

  r = History(dir, fresh, {"fallbacks", "--since", "soon"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--since soon: expected a duration like 90s, 30m, 1h or 7d"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace switchyard::e2e
