// switchyardd: flags, config, logging, then the daemon. Everything else is in daemon.cc.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/log.h"
#include "config/config.h"
#include "daemon.h"
#include "version.h"

int main(int argc, char** argv) {
  CLI::App app{"switchyardd: keeps an application's LLM calls alive through provider trouble"};
  std::string config_path = "/etc/switchyard/switchyard.toml";
  std::string socket_path, history_path, log_level;
  bool check_only = false;
  app.add_option("--config", config_path, "TOML configuration file")->capture_default_str();
  app.add_option("--socket", socket_path, "Unix socket to listen on (overrides [daemon] socket)");
  app.add_option("--history", history_path, "SQLite history file (overrides [daemon] history)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.set_version_flag("--version", switchyard::kSwitchyardVersion);
  CLI11_PARSE(app, argc, argv);

  // The file, then systemd's directories, then the command line: the same on every reload.
  auto load = [=](switchyard::Config* config) {
    SY_RETURN_IF_ERROR(switchyard::LoadConfig(config_path, config));
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"))
      config->daemon.socket = std::string(rd) + "/switchyard.sock";
    if (const char* sd = std::getenv("STATE_DIRECTORY"))
      config->daemon.history = std::string(sd) + "/history.db";
    if (!socket_path.empty()) config->daemon.socket = socket_path;
    if (!history_path.empty()) config->daemon.history = history_path;
    if (!log_level.empty()) config->daemon.log_level = log_level;
    return switchyard::Status::Ok();
  };
  switchyard::Config config;
  switchyard::Status s = load(&config);
  if (!s.ok()) {
    std::cerr << "switchyardd: " << s.message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << config_path << ": ok (" << config.routes.size() << " routes, "
              << config.models.size() << " models)\n";
    return 0;
  }
  s = switchyard::SetupLogging(config.daemon.log_level);
  if (!s.ok()) {
    std::cerr << "switchyardd: " << s.message() << "\n";
    return 2;
  }
  switchyard::DaemonOptions options;
  options.reload = load;
  return switchyard::Daemon(std::move(config), options).Run();
}
