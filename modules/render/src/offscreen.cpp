#include "rfa/render/offscreen.h"

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <system_error>

#include <vtkImageData.h>
#include <vtkPNGWriter.h>
#include <vtkPointData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include "rfa/core/error.h"

#ifdef RFA_RENDER_HAVE_X11
#include <X11/Xlib.h>
#endif

namespace rfa::render {

namespace {

constexpr const char* kXvfbHint =
    "run under xvfb-run -a -s \"-screen 0 1280x1024x24\" (or on a desktop session)";

struct Probe {
  bool ok = false;
  std::string reason;
};

Probe probeGl() {
  Probe p;
#ifdef RFA_RENDER_HAVE_X11
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0') {
    p.reason = "no X display (DISPLAY is not set); " + std::string(kXvfbHint);
    return p;
  }
  ::Display* dpy = XOpenDisplay(nullptr);
  if (dpy == nullptr) {
    p.reason = "cannot open the X display '" + std::string(display) + "'; " + kXvfbHint;
    return p;
  }
  XCloseDisplay(dpy);
#endif
  auto win = vtkSmartPointer<vtkRenderWindow>::New();
  win->SetOffScreenRendering(1);
  win->SetSize(8, 8);
  if (win->SupportsOpenGL() == 0) {
    p.reason = "no OpenGL 3.2 context can be created here; " + std::string(kXvfbHint);
    return p;
  }
  p.ok = true;
  return p;
}

void checkSize(int width, int height) {
  if (width < 1 || height < 1) {
    throw UsageError("off-screen rendering: bad window size " + std::to_string(width) + "x" +
                     std::to_string(height));
  }
}

}  // namespace

std::array<std::uint8_t, 3> RgbImage::at(int x, int y_from_top) const {
  if (x < 0 || y_from_top < 0 || x >= width || y_from_top >= height) {
    throw UsageError("RgbImage::at(" + std::to_string(x) + ", " + std::to_string(y_from_top) +
                     ") outside " + std::to_string(width) + "x" + std::to_string(height));
  }
  const std::size_t o =
      3 * (static_cast<std::size_t>(y_from_top) * static_cast<std::size_t>(width) +
           static_cast<std::size_t>(x));
  return {rgb[o], rgb[o + 1], rgb[o + 2]};
}

bool offscreenRenderingAvailable(std::string* reason) {
  static std::once_flag once;
  static Probe probe;
  std::call_once(once, [] { probe = probeGl(); });
  if (reason != nullptr) *reason = probe.reason;
  return probe.ok;
}

struct OffscreenWindow::Impl {
  vtkSmartPointer<vtkRenderWindow> window;
  std::vector<vtkSmartPointer<vtkRenderer>> renderers;
  bool rendered = false;
};

OffscreenWindow::OffscreenWindow(int width, int height) : impl_(std::make_unique<Impl>()) {
  checkSize(width, height);
  std::string why;
  if (!offscreenRenderingAvailable(&why)) {
    throw UnsupportedError("off-screen rendering is not available: " + why);
  }
  impl_->window = vtkSmartPointer<vtkRenderWindow>::New();
  impl_->window->SetOffScreenRendering(1);
  impl_->window->SetMultiSamples(0);
  impl_->window->SetSize(width, height);
  impl_->window->SetWindowName("rfaplan off-screen");
}

OffscreenWindow::~OffscreenWindow() {
  for (auto& r : impl_->renderers) impl_->window->RemoveRenderer(r);
  impl_->renderers.clear();
  impl_->window->Finalize();
}

void OffscreenWindow::addRenderer(vtkRenderer* renderer) {
  if (renderer == nullptr) throw UsageError("OffscreenWindow::addRenderer: null renderer");
  impl_->window->AddRenderer(renderer);
  impl_->renderers.emplace_back(renderer);
  impl_->rendered = false;
}

void OffscreenWindow::removeRenderer(vtkRenderer* renderer) {
  auto& rs = impl_->renderers;
  auto it = std::find_if(rs.begin(), rs.end(), [&](const auto& r) { return r.Get() == renderer; });
  if (it == rs.end()) return;
  impl_->window->RemoveRenderer(renderer);
  rs.erase(it);
}

void OffscreenWindow::render(bool finish) {
  impl_->window->Render();
  if (finish) impl_->window->WaitForCompletion();
  impl_->rendered = true;
}

RgbImage OffscreenWindow::grab() {
  if (!impl_->rendered) render();
  auto w2i = vtkSmartPointer<vtkWindowToImageFilter>::New();
  w2i->SetInput(impl_->window);
  w2i->SetInputBufferTypeToRGB();
  w2i->ReadFrontBufferOff();
  w2i->ShouldRerenderOff();
  w2i->Update();
  vtkImageData* img = w2i->GetOutput();
  int dims[3];
  img->GetDimensions(dims);
  RgbImage out;
  out.width = dims[0];
  out.height = dims[1];
  out.rgb.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
  auto* src = static_cast<const std::uint8_t*>(img->GetScalarPointer());
  const std::size_t row = static_cast<std::size_t>(out.width) * 3;
  for (int y = 0; y < out.height; ++y) {  // VTK rows start at the bottom
    std::copy_n(src + static_cast<std::size_t>(y) * row, row,
                out.rgb.begin() + static_cast<std::ptrdiff_t>(
                                      static_cast<std::size_t>(out.height - 1 - y) * row));
  }
  return out;
}

vtkRenderWindow* OffscreenWindow::window() const {
  return impl_->window;
}
int OffscreenWindow::width() const {
  return impl_->window->GetSize()[0];
}
int OffscreenWindow::height() const {
  return impl_->window->GetSize()[1];
}

RgbImage renderOffscreen(const std::vector<vtkRenderer*>& renderers, int width, int height) {
  checkSize(width, height);
  if (renderers.empty()) throw UsageError("renderOffscreen: no renderer");
  OffscreenWindow window(width, height);
  for (vtkRenderer* r : renderers) window.addRenderer(r);
  window.render(true);
  return window.grab();
}

void writePng(const RgbImage& image, const std::filesystem::path& file) {
  if (image.width < 1 || image.height < 1 ||
      image.rgb.size() !=
          static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3) {
    throw UsageError("writePng: empty or inconsistent image for " + file.string());
  }
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(image.width, image.height, 1);
  data->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* dst = static_cast<std::uint8_t*>(data->GetScalarPointer());
  const std::size_t row = static_cast<std::size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {  // PNG writer expects VTK rows (bottom first)
    std::copy_n(image.rgb.begin() + static_cast<std::ptrdiff_t>(
                                        static_cast<std::size_t>(image.height - 1 - y) * row),
                row, dst + static_cast<std::size_t>(y) * row);
  }
  std::filesystem::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid());
  auto writer = vtkSmartPointer<vtkPNGWriter>::New();
  writer->SetInputData(data);
  writer->SetFileName(tmp.c_str());
  writer->Write();
  std::error_code ec;
  if (writer->GetErrorCode() != 0 || !std::filesystem::exists(tmp, ec) ||
      std::filesystem::file_size(tmp, ec) == 0) {
    std::filesystem::remove(tmp, ec);
    throw WriteError("cannot write " + file.string() + ": the PNG writer failed");
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw WriteError("cannot write " + file.string() + ": rename failed: " + ec.message());
  }
}

}  // namespace rfa::render
