#pragma once
/// \file offscreen.h
/// \brief Off-screen rendering of views into pixels (tests, reports, benchmarks) and PNG output.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <memory>

class vtkRenderer;
class vtkRenderWindow;

namespace rfa::render {

/// \brief 8-bit RGB pixels, row 0 = top row, 3 bytes per pixel, row-major.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
  /// \brief Pixel (x, y from the top). \throws UsageError outside the image.
  [[nodiscard]] std::array<std::uint8_t, 3> at(int x, int y_from_top) const;
};

/// \brief True when an OpenGL render window can be created here (an X display is reachable, e.g.
/// under xvfb-run, and gives OpenGL 3.2+); otherwise false with the reason in `reason`. The answer
/// is probed once per process and cached.
bool offscreenRenderingAvailable(std::string* reason = nullptr);

/// \brief Renders `renderers` (each with its viewport already set, or one full-window renderer)
/// into an off-screen window of width x height pixels and reads the pixels back. The renderers
/// are taken out of that window again before returning (they can then go into another window).
/// \throws UnsupportedError when no GL window can be created (the message says to run under
/// xvfb-run); UsageError for a size < 1 or no renderer.
RgbImage renderOffscreen(const std::vector<vtkRenderer*>& renderers, int width, int height);

/// \brief A persistent off-screen render window (tests, benchmarks): views stay in it, so that
/// SliceView::displayToLps/lpsToDisplay work and frames can be timed.
class OffscreenWindow {
 public:
  /// \throws UnsupportedError when no GL window can be created (run under xvfb-run); UsageError
  /// for a size < 1.
  OffscreenWindow(int width, int height);
  /// \brief Takes the renderers out of the window (releasing their GL resources) and closes it.
  ~OffscreenWindow();
  OffscreenWindow(const OffscreenWindow&) = delete;
  OffscreenWindow& operator=(const OffscreenWindow&) = delete;

  void addRenderer(vtkRenderer* renderer);
  void removeRenderer(vtkRenderer* renderer);
  /// \brief Renders one frame; with `finish`, waits until the GL pipeline has completed it.
  void render(bool finish = false);
  /// \brief Reads back the last frame (renders first if nothing was rendered).
  [[nodiscard]] RgbImage grab();
  [[nodiscard]] vtkRenderWindow* window() const;
  [[nodiscard]] int width() const;
  [[nodiscard]] int height() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// \brief Writes a PNG through vtkPNGWriter, atomically (temporary file in the same folder, then
/// rename). \throws WriteError naming the file; UsageError for an empty image.
void writePng(const RgbImage& image, const std::filesystem::path& file);

}  // namespace rfa::render
