#include "cli/log_file.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "error.h"

namespace cachedb::cli {

void add_log_file(const std::string& path) {
  auto logger = spdlog::default_logger();
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> file;
  try {
    file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    throw Error(fmt::format("{}: cannot open the log file: {}", path, e.what()));
  }
  file->set_pattern("%Y-%m-%dT%H:%M:%S%z cachedb[%P] %l: %v");
  file->set_level(spdlog::level::info);
  // The terminal keeps the level -q/-v chose; the logger lets info through for the file.
  const auto console = logger->level();
  for (auto& sink : logger->sinks()) sink->set_level(console);
  logger->sinks().push_back(file);
  logger->set_level(std::min(console, spdlog::level::info));
  logger->flush_on(spdlog::level::info);
}

}  // namespace cachedb::cli
