#pragma once
// A format: which files it takes, and what their bytes say. The walk (see
// ingest/file_source.h) finds and reads files knowing nothing of what they
// hold; a format parses each file's bytes into a Document, a batch of spec
// records with what identifies it; the ingest stores Documents and `check`
// counts them. A new format is a folder of its own beside cache_page/ (with
// its meson.build, subdir'ed from src/meson.build), a Format, an alternative
// of Document, and a line in registry.cc; the ingest and `check` visit each
// Document alternative, so the compiler names what must handle the new one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "formats/cache_page/page.h"
#include "formats/finding.h"
#include "json/padded_buffer.h"

namespace cachedb {

// What a format makes of one file: one alternative per format.
using Document = std::variant<Page>;

// The bytes a document holds on the heap, about (what bounds the files in
// flight between the loading threads and the writer).
inline std::size_t memory_size(const Document& document) {
  return std::visit([](const auto& d) { return d.memory_size(); }, document);
}

// How a file is parsed.
struct ParseOptions {
  // A file whose records take at least this many bytes is checked a chunk of
  // records at a time, kept as a document that holds none (its memory_size()
  // then counts what reading it again will take), and read again from its
  // path by the ingest's writer, which stores it as it is parsed. SIZE_MAX:
  // every file is kept whole (a file given as bytes has no path to read again).
  std::size_t stream_specs_from = SIZE_MAX;
};

class Format {
 public:
  virtual ~Format() = default;

  // The format's name, for messages and the registry ("cache page").
  virtual std::string_view kind() const = 0;

  // Whether a file of this name (the name alone, not its path) is one of this
  // format's, for the walk to read. Asked of every directory entry: cheap.
  virtual bool takes(std::string_view file_name) const = 0;

  // Parses the bytes of the file at `path`, in place (the document may keep
  // the buffer, whose text the parse rewrites). Throws ParseError, with the
  // line when known, for a file of this format that cannot be read; appends
  // what does not add up in a file it reads to `findings`.
  virtual Document parse(const std::string& path, PaddedBuffer bytes, std::vector<Finding>& findings,
                         const ParseOptions& options = {}) const = 0;
};

}  // namespace cachedb
