// Union-find over row runs: each run is united with the overlapping runs of the already scanned
// neighbour rows (the previous row of the slice and, for 26-connectivity, the three rows of the
// previous slice around it; diagonal neighbours widen the overlap test by one voxel).
#include "run_labeling.h"

namespace rfa::segmentation::detail {

namespace {

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) {
    for (std::size_t i = 0; i < n; ++i) parent_[i] = static_cast<std::uint32_t>(i);
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }
  // The smaller index becomes the root, so a component's root is its first run in scan order.
  void unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a < b) {
      parent_[b] = a;
    } else if (b < a) {
      parent_[a] = b;
    }
  }

 private:
  std::vector<std::uint32_t> parent_;
};

void extractRuns(std::span<const std::uint8_t> data, bool foreground, RunLabeling& out) {
  const std::size_t nx = out.size[0];
  out.row_start.assign(out.rowCount() + 1, 0);
  for (std::size_t r = 0; r < out.rowCount(); ++r) {
    out.row_start[r] = out.runs.size();
    const std::uint8_t* row = data.data() + r * nx;
    std::size_t i = 0;
    while (i < nx) {
      while (i < nx && (row[i] != 0) != foreground) ++i;
      if (i == nx) break;
      const std::size_t begin = i;
      while (i < nx && (row[i] != 0) == foreground) ++i;
      out.runs.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i)});
    }
  }
  out.row_start[out.rowCount()] = out.runs.size();
}

// Unites the runs of row a with the overlapping runs of row b; `widen` = 1 for diagonal contact.
void uniteRows(const RunLabeling& l, std::size_t a, std::size_t b, std::uint32_t widen,
               UnionFind& uf) {
  std::size_t x = l.row_start[a];
  std::size_t y = l.row_start[b];
  const std::size_t x_end = l.row_start[a + 1];
  const std::size_t y_end = l.row_start[b + 1];
  while (x < x_end && y < y_end) {
    const Run& ra = l.runs[x];
    const Run& rb = l.runs[y];
    if (rb.begin < ra.end + widen && ra.begin < rb.end + widen) {
      uf.unite(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
    }
    if (ra.end < rb.end) {
      ++x;
    } else {
      ++y;
    }
  }
}

void uniteNeighbours(const RunLabeling& l, Connectivity connectivity, UnionFind& uf) {
  const std::size_t ny = l.size[1];
  const bool full = connectivity == Connectivity::k26;
  const std::uint32_t widen = full ? 1 : 0;
  for (std::size_t k = 0; k < l.size[2]; ++k) {
    for (std::size_t j = 0; j < ny; ++j) {
      const std::size_t r = j + ny * k;
      if (l.row_start[r] == l.row_start[r + 1]) continue;
      if (j > 0) uniteRows(l, r, r - 1, widen, uf);
      if (k == 0) continue;
      uniteRows(l, r, r - ny, widen, uf);
      if (!full) continue;
      if (j > 0) uniteRows(l, r, r - ny - 1, widen, uf);
      if (j + 1 < ny) uniteRows(l, r, r - ny + 1, widen, uf);
    }
  }
}

}  // namespace

RunLabeling labelRuns(std::span<const std::uint8_t> data, const Size3& size, bool foreground,
                      Connectivity connectivity) {
  RunLabeling out;
  out.size = size;
  extractRuns(data, foreground, out);
  UnionFind uf(out.runs.size());
  uniteNeighbours(out, connectivity, uf);
  out.run_component.resize(out.runs.size());
  for (std::size_t n = 0; n < out.runs.size(); ++n) {
    const std::uint32_t root = uf.find(static_cast<std::uint32_t>(n));
    if (root == n) {
      out.run_component[n] = static_cast<std::uint32_t>(out.component_size.size());
      out.component_size.push_back(0);
    } else {
      out.run_component[n] = out.run_component[root];  // root < n: already numbered
    }
    out.component_size[out.run_component[n]] += out.runs[n].end - out.runs[n].begin;
  }
  return out;
}

std::vector<bool> touchesBorder(const RunLabeling& l, bool slices_are_border) {
  std::vector<bool> border(l.component_size.size(), false);
  const std::size_t nx = l.size[0];
  const std::size_t ny = l.size[1];
  const std::size_t nz = l.size[2];
  for (std::size_t r = 0; r < l.rowCount(); ++r) {
    const std::size_t j = r % ny;
    const std::size_t k = r / ny;
    const bool border_row = j == 0 || j + 1 == ny || (slices_are_border && (k == 0 || k + 1 == nz));
    for (std::size_t n = l.row_start[r]; n < l.row_start[r + 1]; ++n) {
      if (border_row || l.runs[n].begin == 0 || l.runs[n].end == nx) {
        border[l.run_component[n]] = true;
      }
    }
  }
  return border;
}

}  // namespace rfa::segmentation::detail
