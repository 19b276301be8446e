// The configuration the router's tests share: one OpenAI provider, two models ("big" then
// "small", ids "big-id" and "small-id") of a 1,000-token window, and the route "chat" down
// them, with exact breaker cool-downs and a 3 s default timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"

namespace switchyard {

inline std::shared_ptr<const Config> TwoTierConfig(SoftTimeout soft = SoftTimeout::kCutover,
                                                   int64_t max_in_flight = 1024) {
  auto cfg = std::make_shared<Config>();
  ProviderConfig p;
  p.name = "openai";
  p.base_url = "http://127.0.0.1:1/v1";
  p.api_key = "sk-secret";
  p.max_in_flight = max_in_flight;
  cfg->providers["openai"] = p;
  for (const char* name : {"big", "small"}) {
    ModelConfig m;
    m.name = name;
    m.provider = "openai";
    m.id = std::string(name) + "-id";
    m.context_window = 1000;
    m.max_output_tokens = 100;
    m.input_usd_per_mtok = 1;
    m.output_usd_per_mtok = 2;
    m.breaker.jitter = 0;  // exact cool-downs
    m.breaker.cooldown_ms = 5000;
    cfg->models[name] = m;
  }
  RouteConfig r;
  r.name = "chat";
  r.tiers = {"big", "small"};
  r.deadline_ms = 20000;
  r.timeout.default_ms = 3000;
  r.timeout.ceiling_ms = 10000;
  r.on_soft_timeout = soft;
  cfg->routes["chat"] = r;
  return cfg;
}

}  // namespace switchyard
