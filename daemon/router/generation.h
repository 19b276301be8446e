// A configuration and what is built from it: the providers and, per model, its config and
// its health. Requests hold the generation they started under, so a reload never changes a
// request in flight; health outlives generations (one per model name, kept by the router).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "providers/provider.h"
#include "router/model_health.h"

namespace switchyard {

struct ModelRuntime {
  const ModelConfig* config = nullptr;
  const ProviderConfig* provider_config = nullptr;
  const Provider* provider = nullptr;
  std::shared_ptr<ModelHealth> health;
};

struct Generation {
  std::shared_ptr<const Config> config;
  std::map<std::string, std::unique_ptr<Provider>> providers;
  std::map<std::string, ModelRuntime> models;
};

}  // namespace switchyard
