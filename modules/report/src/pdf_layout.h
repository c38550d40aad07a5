#pragma once
// Page layout for the report (private to rfa::report): a document of A4 pages, each recorded on
// a cairo recording surface so that the header ("page N of M") can be drawn once the page count is
// known, then replayed onto a cairo PDF surface. Text through cairo's toy API with greedy word
// wrapping; tables that flow over pages repeating their header row; pictures.
#include <cairo.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rfa/report/image.h"

namespace rfa::report::detail {

/// A text style: size in points, bold, colour.
struct TextStyle {
  double size = 9;
  bool bold = false;
  Rgb colour{20, 20, 20};
};

enum class Align { kLeft, kRight, kCentre };

struct TableColumn {
  std::string title;
  double width = 50;  ///< points
  Align align = Align::kLeft;
};

/// A table: cells may hold '\n' for forced line breaks; long text wraps within the column.
struct Table {
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::optional<Rgb>> row_fill;  ///< optional background per row (may be shorter)
  double font_size = 7.5;
};

/// Where a picture went.
struct PlacedBox {
  int page = 0;
  double x = 0, y = 0, w = 0, h = 0;
};

class Document {
 public:
  static constexpr double kPageWidth = 595;
  static constexpr double kPageHeight = 842;
  static constexpr double kMarginX = 36;
  static constexpr double kContentTop = 66;
  static constexpr double kContentBottom = 806;

  Document();
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  /// Starts a new page; the cursor goes to the top of the content area. The page is labelled
  /// with the current `section` (for the running header).
  void newPage();
  /// The running-header label of the pages started from now on ("Session 2", ...).
  std::string section;
  /// The label of page `page` (1-based).
  [[nodiscard]] const std::string& sectionOf(int page) const {
    return pages_[static_cast<std::size_t>(page - 1)].section;
  }
  [[nodiscard]] int pageCount() const { return static_cast<int>(pages_.size()); }
  /// The context of the current page (a page is started if none is).
  cairo_t* cr();

  [[nodiscard]] double left() const { return kMarginX; }
  [[nodiscard]] double right() const { return kPageWidth - kMarginX; }
  [[nodiscard]] double width() const { return right() - left(); }
  /// The vertical cursor (points from the top of the page).
  double y = kContentTop;
  /// Starts a new page unless `height` points fit below the cursor.
  void need(double height);
  [[nodiscard]] double spaceLeft() const { return kContentBottom - y; }

  [[nodiscard]] static double lineHeight(const TextStyle& s) { return s.size * 1.28; }
  /// `text` broken into lines no wider than `width` (words, then characters when a word is wider).
  std::vector<std::string> wrap(const std::string& text, const TextStyle& style, double width);
  /// One line of text with its baseline at (x, baseline); returns its width.
  double text(double x, double baseline, const std::string& text, const TextStyle& style,
              Align align = Align::kLeft);
  /// A wrapped paragraph at the cursor (flows over pages), then `after` points of space.
  void paragraph(const std::string& text, const TextStyle& style = {}, double indent = 0,
                 double after = 3);
  /// A bulleted list.
  void bullets(const std::vector<std::string>& items, const TextStyle& style = {});
  /// A heading (level 1 or 2), kept with at least `keep` points of what follows.
  void heading(const std::string& text, int level, double keep = 60);
  /// Label / value lines: labels in bold in a column `label_width` wide, values wrapped.
  void keyValues(const std::vector<std::pair<std::string, std::string>>& rows,
                 double label_width = 130, const TextStyle& style = {});
  /// A table at the cursor, flowing over pages with its header repeated.
  void table(const Table& t);
  /// `image` scaled into the box (x, y, w, h) of the current page; returns where.
  PlacedBox picture(const RgbImage& image, double x, double y, double w, double h);
  /// A small legend entry: swatch at (x, baseline) then `label`; kind "fill", "outline", "line",
  /// "dash", "dot", "ring".
  void legendItem(double x, double baseline, const Rgb& colour, const std::string& kind,
                  const std::string& label, double size = 7.5);

  /// Finishes the document: every page replayed onto a PDF surface, `decorate(cr, page, pages)`
  /// drawn over each (headers, footers), metadata set. Returns the PDF bytes.
  /// \throws WriteError when cairo reports an error.
  std::string finish(const std::function<void(cairo_t*, int, int)>& decorate,
                     const std::string& title, const std::string& creator);

 private:
  struct Page {
    cairo_surface_t* surface = nullptr;
    cairo_t* cr = nullptr;
    std::string section;
  };
  std::vector<Page> pages_;
  cairo_surface_t* measure_surface_ = nullptr;  // for text measurement before any page
  cairo_t* measure_ = nullptr;
  cairo_t* measureCr();
};

}  // namespace rfa::report::detail
