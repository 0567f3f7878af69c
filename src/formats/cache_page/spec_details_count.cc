#include "formats/cache_page/spec_details_count.h"

#include <algorithm>
#include <cstring>

#include "formats/cache_page/spec_keys.h"
#include "parsing/text_limits.h"

namespace cachedb {

using namespace spec_keys;

namespace {

// `n`, held to what a page of `size` bytes that is accepted could hold. Such
// a page takes at least 58 bytes a spec (59 with its comma, less the byte its
// first list item saves) and 3 an item (`,""`): 52 leaves room to spare.
// Held jointly, specs and items together never make room beyond 4/3 of the
// page, what a page of empty list items needs, however the JSON is made to
// miscount (`{"hash":0}`, rejected, is counted as a spec; items of lists under
// escaped keys are counted that the reader does not keep).
SpecDetailsCount capped(SpecDetailsCount n, std::size_t size) {
  n.specs = std::min(n.specs, size / kMinSpecBytes + 1);
  const std::size_t spec_bytes = 52 * n.specs;
  n.items = std::min(n.items, spec_bytes >= size ? 0 : (size - spec_bytes) / 3 + 1);
  return n;
}

}  // namespace

// Why count first: growing the reader's vectors by doubling would copy each
// and hold both copies at once (a list-heavy page of 86 MB peaked ~240 MiB
// so); room made for the most the JSON could hold would be memory wherever
// allocations are filled (MALLOC_PERTURB_) or address space is limited
// (ulimit -v).
//
// The scan is no parse: it follows strings and brackets only, as a JSON
// reader does on valid JSON, and on anything else miscounts, which costs a
// reallocation or unused room, never a wrong result (the reading parse
// rejects the page). It copies nothing: RapidJSON, not in place, copies every
// string it decodes, and one string of 100 MB would be 100 MB more.
//
// A spec is an object of the list that has a "hash" key (one without is
// rejected before it is kept: `[{},{},...]` makes no room). An item is a
// string in the first list of a spec's versions, variants or stacks (the
// member the reader keeps), before any item that is not a string, and no
// more of one list than a spec may hold (limits::kListItems). A key name
// spelled with an escape ("h\u0061sh") is not decoded: it is taken for
// whatever counts most (the spec's hash, a list it has not had), so that the
// count is never short of what the reader keeps of a page it accepts.
SpecDetailsCount count_spec_details(std::string_view value) {
  SpecDetailsCount n;
  std::size_t depth = 0;
  bool has_hash = false;      // the open spec has been counted
  bool next_is_list = false;  // the last key of a spec names a list it had not had
  bool in_list = false;       // the container open at depth 3 is such a list
  std::size_t list_items = 0;  // counted in that list
  unsigned seen_lists = 0;    // the list keys the spec has had, as bits
  const char* p = value.data();
  const char* const end = p + value.size();
  while (p < end) {
    const char c = *p++;
    if (c == '"') {
      const char* const start = p;
      const char* close = p;
      for (;;) {  // the first quote not escaped: one after an even run of backslashes
        close = static_cast<const char*>(std::memchr(close, '"', static_cast<std::size_t>(end - close)));
        if (!close) return capped(n, value.size());
        const char* b = close;
        while (b > start && b[-1] == '\\') --b;
        if ((close - b) % 2 == 0) break;
        ++close;
      }
      p = close + 1;
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
      if (p < end && *p == ':') {  // a key
        if (depth == 2) {
          const std::string_view name(start, static_cast<std::size_t>(close - start));
          const bool escaped = name.find('\\') != std::string_view::npos;
          const int k = escaped ? kNoKey : key_of(name);
          if ((k == kHash || escaped) && !has_hash) {
            ++n.specs;
            has_hash = true;
          }
          const unsigned bit = is_list(k) ? 1u << k : 0;
          next_is_list = escaped || (bit && !(seen_lists & bit));
          seen_lists |= bit;
        }
        ++p;
      } else if (depth == 3 && in_list && list_items < limits::kListItems) {
        ++n.items;  // the reader keeps no more of one list (a longer one rejects the page)
        ++list_items;
      }
    } else if (c == '{' || c == '[') {
      if (depth == 1 && c == '{') {
        has_hash = false;
        seen_lists = 0;
      }
      if (depth == 2) {
        in_list = c == '[' && next_is_list;
        list_items = 0;
      }
      if (depth == 3) in_list = false;  // an item that is not a string: the reader keeps none after it
      ++depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      if (--depth == 2) in_list = false;
    } else if (depth == 3 && c != ',' && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      in_list = false;  // a number, true, false or null in the list: as above
    }
  }
  return capped(n, value.size());
}

}  // namespace cachedb
