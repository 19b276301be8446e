#include "testbed.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace switchyard::testbed {

namespace {
std::string g_bin_dir = SWITCHYARD_BIN_DIR;
}  // namespace

void SetBinaryDir(const std::string& dir) { g_bin_dir = dir; }
const std::string& BinaryDir() { return g_bin_dir; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/sy-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (!p) throw std::runtime_error("mkdtemp failed");
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                 const std::string& log_path) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const std::string& e : extra_env) env.push_back(e);
  std::vector<char*> cargv, cenv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const std::string& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

Process::~Process() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Process::Signal(int sig) {
  if (!reaped_) kill(pid_, sig);
}

bool Process::Wait(int timeout_ms, int* status) {
  if (reaped_) {
    if (status) *status = status_;
    return true;
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {  // looks at least once, so Wait(0) asks "has it exited?"
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = st;
      if (status) *status = st;
      return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

namespace {

std::string ModelToml(const ClusterOptions& o, const std::string& model) {
  auto it = o.model_toml.find(model);
  return it == o.model_toml.end() ? "" : it->second + "\n";
}

size_t Collect(char* data, size_t size, size_t n, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * n);
  return size * n;
}

int64_t JsonInt(const std::string& json, const std::string& a, const std::string& b = "") {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(json).get(doc) != simdjson::SUCCESS) return -1;
  int64_t v = 0;
  auto e = b.empty() ? doc[a] : doc[a][b];
  if (e.get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

}  // namespace

bool PollUntil(int timeout_ms, const std::function<bool()>& ready) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ready();
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

std::string HttpGet(const std::string& url) {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  return rc == CURLE_OK ? body : "";
}

double CpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {

int64_t StatusField(pid_t pid, const std::string& name) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stoll(line.substr(name.size() + 1));
  }
  return 0;
}

}  // namespace

int64_t RssKiB(pid_t pid) { return StatusField(pid, "VmRSS"); }
int64_t PeakRssKiB(pid_t pid) { return StatusField(pid, "VmHWM"); }

bool WaitForSocket(const std::string& path, int timeout_ms) {
  return PollUntil(timeout_ms, [&] {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
  });
}

FakeProvider::FakeProvider(const TempDir& dir, std::vector<std::string> extra_args) {
  std::string port_file = dir.File("fake.port");
  log_ = dir.File("fake.log");
  std::vector<std::string> argv = {g_bin_dir + "/fake_provider", "--port", "0", "--port-file",
                                   port_file};
  for (std::string& a : extra_args) argv.push_back(std::move(a));
  proc_ = std::make_unique<Process>(argv, std::vector<std::string>{}, log_);
  if (!PollUntil(5000, [&] { return !ReadFile(port_file).empty(); })) {
    throw std::runtime_error("fake_provider did not start: " + ReadFile(log_));
  }
  port_ = std::stoi(ReadFile(port_file));
}

std::string FakeProvider::LastBody(const std::string& model_id) {
  std::string r =
      HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/_control/last?model=" + model_id);
  return r.find("no request for that model yet") == std::string::npos ? r : "";
}

void FakeProvider::SetFault(const std::string& model, const std::string& query) {
  std::string r = HttpGet("http://127.0.0.1:" + std::to_string(port_) +
                          "/_control/fault?model=" + model + "&" + query);
  if (r.find("\"ok\":true") == std::string::npos) throw std::runtime_error("SetFault: " + r);
}

int64_t FakeProvider::Requests(const std::string& model_id) {
  return JsonInt(HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/_control/stats"),
                 "requests", model_id);
}

int64_t FakeProvider::AuthOk() {
  return JsonInt(HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/_control/stats"),
                 "auth_ok");
}

int64_t FakeProvider::InFlight() {
  return JsonInt(HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/_control/stats"),
                 "in_flight");
}

int64_t FakeProvider::AuthBad() {
  return JsonInt(HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/_control/stats"),
                 "auth_bad");
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {
  std::vector<std::string> fake_args{"--openai-key", options_.openai_key, "--anthropic-key",
                                     options_.anthropic_key};
  fake_args.insert(fake_args.end(), options_.fake_args.begin(), options_.fake_args.end());
  fake_ = std::make_unique<FakeProvider>(dir_, std::move(fake_args));
  socket_ = options_.activate_socket.empty() ? dir_.File("sy.sock") : options_.activate_socket;
  daemon_log_ = dir_.File("daemon.log");
  config_path_ = dir_.File("switchyard.toml");
  WriteConfig(options_);
  StartDaemon();
}

void Cluster::WriteConfig(const ClusterOptions& o) {
  std::string url = fake_->base_url();
  std::ostringstream cfg;
  cfg << "[daemon]\nsocket = \"" << dir_.File("sy.sock") << "\"\nhistory = \"" << history_path()
      << "\"\nlog_level = \"" << o.log_level << "\"\n"
      << o.daemon_toml << "\n"
      << "[providers.openai]\nkind = \"openai\"\nbase_url = \"" << url
      << "\"\napi_key_env = \"SY_TEST_OPENAI_KEY\"\n"
      << o.provider_toml << "\n\n"
      << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \"" << url
      << "\"\napi_key_env = \"SY_TEST_ANTHROPIC_KEY\"\n"
      << o.provider_toml << "\n\n"
      << "[models.gpt-4o]\nprovider = \"openai\"\nid = \"gpt-4o\"\ncontext_window = 128000\n"
         "max_output_tokens = 16384\ninput_usd_per_mtok = 2.50\noutput_usd_per_mtok = 10.00\n"
      << ModelToml(o, "gpt-4o") << "\n"
      << "[models.gpt-4o-mini]\nprovider = \"openai\"\nid = \"gpt-4o-mini\"\ncontext_window = "
         "128000\n"
         "max_output_tokens = 16384\ninput_usd_per_mtok = 0.15\noutput_usd_per_mtok = 0.60\n"
      << ModelToml(o, "gpt-4o-mini") << "\n"
      << "[models.claude-haiku]\nprovider = \"anthropic\"\nid = \"claude-3-5-haiku-latest\"\n"
         "context_window = 200000\nmax_output_tokens = 8192\ninput_usd_per_mtok = 0.80\n"
         "output_usd_per_mtok = 4.00\n"
      << ModelToml(o, "claude-haiku") << "\n"
      << "[routes.chat]\ntiers = [" << o.tiers << "]\ndeadline_ms = " << o.deadline_ms << "\n"
      << o.route_toml << "\n[routes.chat.timeout]\ndefault_ms = " << o.default_timeout_ms << "\n"
      << o.timeout_toml << "\n"
      << o.extra_toml;
  std::string text = cfg.str();
  const std::string root = "http://127.0.0.1:" + std::to_string(fake_->port());
  for (size_t at; (at = text.find("{fake}")) != std::string::npos;) text.replace(at, 6, root);
  WriteFile(config_path_ + ".tmp", text);
  std::rename((config_path_ + ".tmp").c_str(), config_path_.c_str());
}

void Cluster::StartDaemon() {
  std::vector<std::string> env = {"SY_TEST_OPENAI_KEY=" + options_.openai_key,
                                  "SY_TEST_ANTHROPIC_KEY=" + options_.anthropic_key};
  for (const std::string& e : options_.extra_env) env.push_back(e);
  std::vector<std::string> argv;
  if (!options_.activate_socket.empty()) {
    // systemd-socket-activate listens, and execs the daemon with the socket on the first
    // connection; it passes on only the variables named with -E.
    argv = {"/usr/bin/systemd-socket-activate", "-l", options_.activate_socket};
    for (const std::string& e : env) argv.insert(argv.end(), {"-E", e});
  }
  argv.insert(argv.end(), options_.launch_prefix.begin(), options_.launch_prefix.end());
  argv.insert(argv.end(), {g_bin_dir + "/switchyardd", "--config", config_path_});
  daemon_ = std::make_unique<Process>(argv, env, daemon_log_);
  // A daemon that refuses to start exits at once: no need to wait out the timeout for it.
  bool up = false;
  for (int waited = 0; waited < 5000 && !up; waited += 50) {
    up = WaitForSocket(socket_, 50);
    if (!up && options_.activate_socket.empty() && daemon_->Wait(0)) break;
  }
  if (!up) throw std::runtime_error("switchyardd did not start: " + ReadFile(daemon_log_));
  running_ = true;
}

Cluster::~Cluster() {
  if (!running_) return;
  Status s = StopDaemon();
  if (!s.ok()) std::fprintf(stderr, "testbed: %s\n", s.message().c_str());
}

Status Cluster::StopDaemon() {
  running_ = false;
  daemon_->Signal(SIGTERM);
  int status = 0;
  if (!daemon_->Wait(15000, &status))
    return Status::Unavailable("switchyardd did not stop within 15 s of SIGTERM");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal("switchyardd did not exit cleanly (status " + std::to_string(status) +
                            "): " + ReadFile(daemon_log_));
  }
  return Status::Ok();
}

void Cluster::KillDaemon() {
  running_ = false;
  daemon_->Signal(SIGKILL);
  daemon_->Wait(5000);
}

std::unique_ptr<Client> Cluster::Connect() {
  std::unique_ptr<Client> c;
  Status s = Client::Connect(socket_, &c);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  return c;
}

CompleteRequest Cluster::Ask(const std::string& prompt) {
  CompleteRequest req;
  req.route = "chat";
  req.messages = {{"user", prompt}};
  req.max_tokens = 64;
  return req;
}

}  // namespace switchyard::testbed
