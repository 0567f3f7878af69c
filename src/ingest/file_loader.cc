#include "ingest/file_loader.h"

#include <atomic>
#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "formats/registry.h"

namespace cachedb {
namespace {

// A loading thread's handler: its stored-page lookups, then the formats.
class Handler final : public FileHandler {
 public:
  Handler(std::unique_ptr<KnownPages> known, ParseOptions options) : known_(std::move(known)), options_(options) {}

  bool looks_before_reading() const override { return known_ != nullptr; }

  std::optional<LoadedFile> before_reading(const std::string& path, const FileStamp& stamp) override {
    if (auto page = known_->by_stamp(path, stamp)) return Known{path, stamp, *page, true};
    return std::nullopt;
  }

  LoadedFile read(SourceFile file) override { return load_file(std::move(file), known_.get(), options_); }

 private:
  std::unique_ptr<KnownPages> known_;
  ParseOptions options_;
};

// The handlers for the loading threads. The lookups only spare reads (the
// writer still recognizes an unchanged page by its content), so lookups that
// cannot be made (a connection refused for want of file descriptors, say)
// leave that thread reading every file rather than failing the run.
FileHandlerFactory handlers(KnownPagesFactory known, ParseOptions options) {
  auto warned = std::make_shared<std::atomic<bool>>(false);
  return [known = std::move(known), warned, options]() -> std::unique_ptr<FileHandler> {
    std::unique_ptr<KnownPages> lookups;
    try {
      if (known) lookups = known();
    } catch (const std::exception& e) {
      if (!warned->exchange(true))
        spdlog::warn("stored pages cannot be looked up ({}): unchanged files are read again", e.what());
    }
    return std::make_unique<Handler>(std::move(lookups), options);
  };
}

}  // namespace

FileLoader::FileLoader(std::vector<std::filesystem::path> inputs, std::uintmax_t max_file_bytes,
                       KnownPagesFactory known, unsigned threads, ParseOptions options)
    : source_(std::move(inputs), some_format_takes, max_file_bytes, handlers(std::move(known), options), threads) {}

LoadedFile load_file(SourceFile file, KnownPages* known, const ParseOptions& options) {
  try {
    // An empty file is most likely a truncated copy: rejecting it (rather
    // than skipping it) also keeps --prune from deleting what it held.
    if (file.bytes.size() == 0) throw ParseError(0, "empty file");
    if (known) {
      if (auto page = known->by_content(file.fingerprint))
        return Known{std::move(file.path), file.stamp, *page, false};
    }
    std::vector<Finding> findings;
    Document document = format_for(file.path).parse(file.path, std::move(file.bytes), findings, options);
    return Parsed{std::move(file.path), file.stamp, std::move(file.fingerprint), std::move(document),
                  std::move(findings)};
  } catch (const ParseError& e) {
    return Rejected{std::move(file.path), file.stamp, e};
  }
}

LoadedFile load_bytes(std::string path, std::string_view bytes, KnownPages* known) {
  SourceFile file{std::move(path), {}, content_fingerprint(bytes), PaddedBuffer::copy_of(bytes)};
  return load_file(std::move(file), known);
}

}  // namespace cachedb
