// Page layout on cairo recording surfaces, replayed into a PDF (pdf_layout.h).
#include "pdf_layout.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "cairo_util.h"
#include "rfa/core/error.h"

namespace rfa::report::detail {
namespace {

cairo_status_t appendToString(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<std::string*>(closure);
  out->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Byte length of the UTF-8 sequence starting with `c` (1 for anything unexpected).
std::size_t utf8Length(unsigned char c) {
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

void applyStyle(cairo_t* cr, const TextStyle& s) {
  setFont(cr, s.size, s.bold);
  setColour(cr, s.colour);
}

void checkStatus(cairo_status_t st, const char* what) {
  if (st != CAIRO_STATUS_SUCCESS) {
    throw WriteError(std::string("report: cairo failed while ") + what + ": " +
                     cairo_status_to_string(st));
  }
}

}  // namespace

Document::Document() = default;

Document::~Document() {
  for (Page& p : pages_) {
    cairo_destroy(p.cr);
    cairo_surface_destroy(p.surface);
  }
  if (measure_ != nullptr) cairo_destroy(measure_);
  if (measure_surface_ != nullptr) cairo_surface_destroy(measure_surface_);
}

void Document::newPage() {
  const cairo_rectangle_t extents{0, 0, kPageWidth, kPageHeight};
  Page p;
  p.surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents);
  p.cr = cairo_create(p.surface);
  p.section = section;
  pages_.push_back(p);
  y = kContentTop;
}

cairo_t* Document::cr() {
  if (pages_.empty()) newPage();
  return pages_.back().cr;
}

cairo_t* Document::measureCr() {
  if (!pages_.empty()) return pages_.back().cr;
  if (measure_ == nullptr) {
    measure_surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8, 8);
    measure_ = cairo_create(measure_surface_);
  }
  return measure_;
}

void Document::need(double height) {
  if (pages_.empty() || y + height > kContentBottom) newPage();
}

std::vector<std::string> Document::wrap(const std::string& text, const TextStyle& style,
                                        double max_width) {
  cairo_t* c = measureCr();
  cairo_save(c);
  setFont(c, style.size, style.bold);
  std::vector<std::string> lines;
  std::size_t start = 0;
  const std::string all = text;
  while (start <= all.size()) {
    const std::size_t nl = all.find('\n', start);
    const std::string para =
        all.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    // Words of the paragraph.
    std::vector<std::string> words;
    std::size_t p = 0;
    while (p < para.size()) {
      const std::size_t q = para.find(' ', p);
      const std::string w = para.substr(p, q == std::string::npos ? std::string::npos : q - p);
      if (!w.empty()) words.push_back(w);
      if (q == std::string::npos) break;
      p = q + 1;
    }
    std::string line;
    for (const std::string& w : words) {
      const std::string candidate = line.empty() ? w : line + " " + w;
      if (textWidth(c, candidate) <= max_width) {
        line = candidate;
        continue;
      }
      if (!line.empty()) lines.push_back(line);
      line.clear();
      if (textWidth(c, w) <= max_width) {
        line = w;
        continue;
      }
      // A word wider than the line: break after its hyphens where possible ("cooltip-cluster-"
      // / "2.5cm"), else between characters.
      std::string rest = w;
      while (textWidth(c, rest) > max_width) {
        std::size_t best = std::string::npos;  // the longest prefix ending in '-' that fits
        for (std::size_t k = rest.find('-', 1); k != std::string::npos && k + 1 < rest.size();
             k = rest.find('-', k + 1)) {
          if (textWidth(c, rest.substr(0, k + 1)) > max_width) break;
          best = k;
        }
        if (best == std::string::npos) break;
        lines.push_back(rest.substr(0, best + 1));
        rest.erase(0, best + 1);
      }
      if (textWidth(c, rest) <= max_width) {
        line = rest;
        continue;
      }
      std::string part;
      const std::string& w2 = rest;
      for (std::size_t i = 0; i < w2.size();) {
        const std::size_t n =
            std::min(utf8Length(static_cast<unsigned char>(w2[i])), w2.size() - i);
        const std::string ch = w2.substr(i, n);
        if (!part.empty() && textWidth(c, part + ch) > max_width) {
          lines.push_back(part);
          part.clear();
        }
        part += ch;
        i += n;
      }
      line = part;
    }
    lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  cairo_restore(c);
  return lines;
}

double Document::text(double x, double baseline, const std::string& s, const TextStyle& style,
                      Align align) {
  cairo_t* c = cr();
  applyStyle(c, style);
  const std::string t = safeUtf8(s);
  const double w = textWidth(c, t);
  double x0 = x;
  if (align == Align::kRight) x0 = x - w;
  if (align == Align::kCentre) x0 = x - w / 2;
  cairo_move_to(c, x0, baseline);
  cairo_show_text(c, t.c_str());
  return w;
}

void Document::paragraph(const std::string& s, const TextStyle& style, double indent,
                         double after) {
  const double lh = lineHeight(style);
  for (const std::string& line : wrap(s, style, width() - indent)) {
    need(lh);
    text(left() + indent, y + style.size, line, style);
    y += lh;
  }
  y += after;
}

void Document::bullets(const std::vector<std::string>& items, const TextStyle& style) {
  const double lh = lineHeight(style);
  for (const std::string& item : items) {
    const std::vector<std::string> lines = wrap(item, style, width() - 12);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      need(lh);
      if (i == 0) text(left() + 2, y + style.size, "\u2022", style);
      text(left() + 12, y + style.size, lines[i], style);
      y += lh;
    }
  }
  y += 3;
}

void Document::heading(const std::string& s, int level, double keep) {
  const TextStyle style{level <= 1 ? 14.0 : 10.5, true,
                        level <= 1 ? Rgb{20, 40, 90} : Rgb{30, 30, 30}};
  const double before = level <= 1 ? 4 : 6;
  if (!pages_.empty() && y > kContentTop) y += before;
  need(lineHeight(style) + keep);
  text(left(), y + style.size, s, style);
  y += lineHeight(style);
  if (level <= 1) {
    cairo_t* c = cr();
    cairo_set_source_rgb(c, 0.08, 0.16, 0.35);
    cairo_set_line_width(c, 0.8);
    cairo_move_to(c, left(), y + 1);
    cairo_line_to(c, right(), y + 1);
    cairo_stroke(c);
    y += 5;
  } else {
    y += 1;
  }
}

void Document::keyValues(const std::vector<std::pair<std::string, std::string>>& rows,
                         double label_width, const TextStyle& style) {
  const double lh = lineHeight(style);
  TextStyle label = style;
  label.bold = true;
  for (const auto& [k, v] : rows) {
    const std::vector<std::string> lines = wrap(v, style, width() - label_width);
    need(lh);
    text(left(), y + style.size, k, label);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) need(lh);
      text(left() + label_width, y + style.size, lines[i], style);
      y += lh;
    }
  }
  y += 3;
}

void Document::table(const Table& t) {
  const TextStyle body{t.font_size, false};
  const TextStyle head{t.font_size, true, Rgb{255, 255, 255}};
  const double lh = lineHeight(body);
  const double pad = 2.5;
  const auto cellLines = [&](const std::vector<std::string>& row, const TextStyle& st) {
    std::vector<std::vector<std::string>> cells;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const std::string s = c < row.size() ? row[c] : std::string();
      cells.push_back(wrap(s, st, t.columns[c].width - 2 * pad));
    }
    return cells;
  };
  const auto rowHeight = [&](const std::vector<std::vector<std::string>>& cells) {
    std::size_t n = 1;
    for (const auto& c : cells) n = std::max(n, c.size());
    return static_cast<double>(n) * lh + 2 * pad;
  };
  const auto drawRow = [&](const std::vector<std::vector<std::string>>& cells, double h,
                           const TextStyle& st, const std::optional<Rgb>& fill) {
    cairo_t* c = cr();
    double x = left();
    double total = 0;
    for (const TableColumn& col : t.columns) total += col.width;
    if (fill) {
      setColour(c, *fill);
      cairo_rectangle(c, x, y, total, h);
      cairo_fill(c);
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const TableColumn& col = t.columns[i];
      for (std::size_t l = 0; l < cells[i].size(); ++l) {
        const double baseline = y + pad + static_cast<double>(l) * lh + st.size;
        if (col.align == Align::kRight) {
          text(x + col.width - pad, baseline, cells[i][l], st, Align::kRight);
        } else if (col.align == Align::kCentre) {
          text(x + col.width / 2, baseline, cells[i][l], st, Align::kCentre);
        } else {
          text(x + pad, baseline, cells[i][l], st);
        }
      }
      x += col.width;
    }
    cairo_set_source_rgb(c, 0.75, 0.75, 0.75);
    cairo_set_line_width(c, 0.4);
    cairo_move_to(c, left(), y + h);
    cairo_line_to(c, left() + total, y + h);
    cairo_stroke(c);
    y += h;
  };
  std::vector<std::string> titles;
  for (const TableColumn& col : t.columns) titles.push_back(col.title);
  const auto header_cells = cellLines(titles, head);
  const double header_h = rowHeight(header_cells);
  const Rgb header_fill{45, 65, 110};
  bool header_drawn = false;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto cells = cellLines(t.rows[r], body);
    const double h = rowHeight(cells);
    if (!header_drawn || y + h > kContentBottom) {
      need(header_h + h);
      drawRow(header_cells, header_h, head, header_fill);
      header_drawn = true;
    }
    const std::optional<Rgb> fill =
        r < t.row_fill.size() && t.row_fill[r]
            ? t.row_fill[r]
            : (r % 2 == 1 ? std::optional<Rgb>(Rgb{244, 245, 248}) : std::nullopt);
    drawRow(cells, h, body, fill);
  }
  if (t.rows.empty()) {
    need(header_h);
    drawRow(header_cells, header_h, head, header_fill);
  }
  y += 6;
}

PlacedBox Document::picture(const RgbImage& image, double x, double y0, double w, double h) {
  cairo_t* c = cr();
  const RgbImage& copy = image;
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, copy.width, copy.height);
  cairo_surface_flush(s);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int row = 0; row < copy.height; ++row) {
    std::copy_n(reinterpret_cast<const unsigned char*>(copy.pixels.data() +
                                                       static_cast<std::size_t>(row) *
                                                           static_cast<std::size_t>(copy.width)),
                4 * static_cast<std::size_t>(copy.width),
                data + static_cast<std::ptrdiff_t>(row) * stride);
  }
  cairo_surface_mark_dirty(s);
  cairo_save(c);
  cairo_rectangle(c, x, y0, w, h);
  cairo_clip(c);
  cairo_translate(c, x, y0);
  cairo_scale(c, w / copy.width, h / copy.height);
  cairo_set_source_surface(c, s, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(c), CAIRO_FILTER_GOOD);
  cairo_paint(c);
  cairo_restore(c);
  cairo_surface_destroy(s);
  cairo_set_source_rgb(c, 0.3, 0.3, 0.3);
  cairo_set_line_width(c, 0.5);
  cairo_rectangle(c, x, y0, w, h);
  cairo_stroke(c);
  return {pageCount(), x, y0, w, h};
}

void Document::legendItem(double x, double baseline, const Rgb& colour, const std::string& kind,
                          const std::string& label, double size) {
  cairo_t* c = cr();
  const double cy = baseline - size * 0.35;
  cairo_save(c);
  cairo_new_path(c);
  setColour(c, colour);
  if (kind == "outline") {
    cairo_rectangle(c, x + 1, cy - 3.5, 12, 7);
    cairo_set_line_width(c, 1.6);
    cairo_stroke(c);
  } else if (kind == "fill") {
    cairo_rectangle(c, x, cy - 4, 14, 8);
    cairo_fill_preserve(c);
    cairo_set_source_rgb(c, 0.3, 0.3, 0.3);
    cairo_set_line_width(c, 0.4);
    cairo_stroke(c);
  } else if (kind == "dot" || kind == "ring") {
    cairo_arc(c, x + 7, cy, 3, 0, 2 * std::numbers::pi);
    if (kind == "dot") {
      cairo_fill_preserve(c);
      cairo_set_source_rgb(c, 0.2, 0.2, 0.2);
      cairo_set_line_width(c, 0.6);
      cairo_stroke(c);
    } else {
      cairo_set_line_width(c, 1.2);
      cairo_stroke(c);
    }
  } else {
    if (kind == "dash") {
      const double dash[] = {3.0, 2.0};
      cairo_set_dash(c, dash, 2, 0);
    }
    cairo_set_line_width(c, 1.8);
    cairo_move_to(c, x, cy);
    cairo_line_to(c, x + 14, cy);
    cairo_stroke(c);
  }
  cairo_restore(c);
  text(x + 18, baseline, label, TextStyle{size, false});
}

std::string Document::finish(const std::function<void(cairo_t*, int, int)>& decorate,
                             const std::string& title, const std::string& creator) {
  if (pages_.empty()) newPage();
  std::string bytes;
  cairo_surface_t* pdf =
      cairo_pdf_surface_create_for_stream(appendToString, &bytes, kPageWidth, kPageHeight);
  checkStatus(cairo_surface_status(pdf), "creating the PDF surface");
  cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, safeUtf8(title).c_str());
  cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, safeUtf8(creator).c_str());
  cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_SUBJECT,
                                 "RFA treatment plan - RESEARCH USE ONLY, not for clinical use");
  cairo_t* c = cairo_create(pdf);
  const int n = pageCount();
  for (int i = 0; i < n; ++i) {
    Page& p = pages_[static_cast<std::size_t>(i)];
    checkStatus(cairo_status(p.cr), "drawing a page");
    cairo_save(c);
    cairo_set_source_surface(c, p.surface, 0, 0);
    cairo_paint(c);
    cairo_restore(c);
    cairo_save(c);
    decorate(c, i + 1, n);
    cairo_restore(c);
    cairo_show_page(c);
  }
  const cairo_status_t st = cairo_status(c);
  cairo_destroy(c);
  cairo_surface_finish(pdf);
  const cairo_status_t sst = cairo_surface_status(pdf);
  cairo_surface_destroy(pdf);
  checkStatus(st, "writing the pages");
  checkStatus(sst, "finishing the PDF");
  return bytes;
}

}  // namespace rfa::report::detail
