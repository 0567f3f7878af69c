#pragma once
// Where the source meets the formats: walks the tree (ingest/file_source.h)
// and, on the thread that read each file, recognizes a file already stored
// (KnownPages) or parses it with the format that takes it (formats/registry.h).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/file_source.h"
#include "ingest/known_page.h"
#include "ingest/loaded_file.h"

namespace cachedb {

class FileLoader {
 public:
  // Walks `inputs` (files and directories) for the files some format takes.
  // `known` may be empty: then every file is read and parsed. `threads` 0
  // means one per CPU the process may use.
  // `options` say how files are parsed: a file whose records are streamed
  // (ParseOptions::stream_specs_from) is read again from its path by the caller.
  FileLoader(std::vector<std::filesystem::path> inputs, std::uintmax_t max_file_bytes, KnownPagesFactory known,
             unsigned threads = 0, ParseOptions options = {});

  // As FileSource's.
  std::optional<LoadedFile> next() { return source_.next(); }
  void stop() { source_.stop(); }
  unsigned threads() const { return source_.threads(); }
  std::size_t in_flight_bytes() { return source_.in_flight_bytes(); }
  std::size_t directories_listed() const { return source_.directories_listed(); }

 private:
  FileSource source_;
};

// What a file read is, as the loader says it: rejected when empty, known when
// `known` (may be null) knows its bytes, else parsed by its format.
LoadedFile load_file(SourceFile file, KnownPages* known, const ParseOptions& options = {});

// The same for `bytes` given as such (parsed in a copy), under the name `path`.
LoadedFile load_bytes(std::string path, std::string_view bytes, KnownPages* known);

}  // namespace cachedb
