// Headless EGL + OpenGL 4.3 core context (see gl_context.h for the display order and the thread
// rule).
#include "gl_context.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "rfa/core/error.h"

namespace rfa::thermal::detail {

namespace {

const char* eglErrorName(EGLint code) {
  switch (code) {
    case EGL_SUCCESS:
      return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED:
      return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS:
      return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC:
      return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE:
      return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG:
      return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT:
      return "EGL_BAD_CONTEXT";
    case EGL_BAD_CURRENT_SURFACE:
      return "EGL_BAD_CURRENT_SURFACE";
    case EGL_BAD_DISPLAY:
      return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH:
      return "EGL_BAD_MATCH";
    case EGL_BAD_NATIVE_PIXMAP:
      return "EGL_BAD_NATIVE_PIXMAP";
    case EGL_BAD_NATIVE_WINDOW:
      return "EGL_BAD_NATIVE_WINDOW";
    case EGL_BAD_PARAMETER:
      return "EGL_BAD_PARAMETER";
    case EGL_BAD_SURFACE:
      return "EGL_BAD_SURFACE";
    case EGL_CONTEXT_LOST:
      return "EGL_CONTEXT_LOST";
    default:
      return "";
  }
}

// "EGL error 0x3009 EGL_BAD_MATCH" for the last EGL error of this thread (which it clears).
std::string eglErrorText() {
  const EGLint code = eglGetError();
  std::string s = "EGL error " + hexCode(static_cast<unsigned>(code));
  const std::string name = eglErrorName(code);
  if (!name.empty()) s += " " + name;
  return s;
}

// eglTerminate() is not reference counted (the same EGLDisplay comes back for every
// eglGetPlatformDisplay call with the same arguments), so two contexts on one display must not
// terminate it under each other: the last GlContext of a display terminates it.
std::mutex& displayMutex() {
  static std::mutex m;
  return m;
}
std::map<EGLDisplay, int>& displayUsers() {
  static std::map<EGLDisplay, int> users;
  return users;
}

// Initialises `display` (or counts one more user of an initialised one). False on failure.
bool acquireDisplay(EGLDisplay display, std::string& failure) {
  const std::lock_guard<std::mutex> lock(displayMutex());
  int& users = displayUsers()[display];
  if (users == 0) {
    EGLint major = 0;
    EGLint minor = 0;
    if (eglInitialize(display, &major, &minor) != EGL_TRUE) {
      failure = "eglInitialize failed (" + eglErrorText() + ")";
      displayUsers().erase(display);
      return false;
    }
  }
  ++users;
  return true;
}

void releaseDisplay(EGLDisplay display) {
  const std::lock_guard<std::mutex> lock(displayMutex());
  auto it = displayUsers().find(display);
  if (it == displayUsers().end()) return;
  if (--it->second <= 0) {
    eglTerminate(display);
    displayUsers().erase(it);
  }
}

// True when the space-separated extension list `list` names `ext` (whole token).
bool hasExtension(const char* list, std::string_view ext) {
  if (list == nullptr) return false;
  std::string_view rest(list);
  while (!rest.empty()) {
    const std::size_t end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    if (token == ext) return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

// RFA_GL=off (or OFF, Off, 0) disables the GL backend: returns the value, or nullptr.
const char* disabledByEnvironment() {
  const char* v = std::getenv("RFA_GL");
  if (v == nullptr) return nullptr;
  const std::string_view s(v);
  return (s == "off" || s == "OFF" || s == "Off" || s == "0") ? v : nullptr;
}

struct DisplayCandidate {
  EGLDisplay display = EGL_NO_DISPLAY;
  std::string platform;
};

// The displays to try, in order of preference; `notes` collects why a platform was not offered.
std::vector<DisplayCandidate> candidateDisplays(std::vector<std::string>& notes) {
  std::vector<DisplayCandidate> out;
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (client_ext == nullptr) eglGetError();  // EGL_BAD_DISPLAY: no client extensions, clear it
  const auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      eglGetProcAddress("eglGetPlatformDisplayEXT"));
  const bool has_surfaceless = hasExtension(client_ext, "EGL_MESA_platform_surfaceless");
  const bool has_device = hasExtension(client_ext, "EGL_EXT_platform_device");
  if (!has_surfaceless && !has_device) {
    const std::string list =
        (client_ext == nullptr || *client_ext == '\0') ? std::string("none") : client_ext;
    notes.push_back(
        "neither EGL_MESA_platform_surfaceless nor EGL_EXT_platform_device among the client "
        "extensions (" +
        list + ")");
  } else if (get_platform_display == nullptr) {
    notes.emplace_back("eglGetPlatformDisplayEXT not available");
  } else {
    if (has_surfaceless) {
      EGLDisplay d =
          get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
      if (d != EGL_NO_DISPLAY) {
        out.push_back({d, "surfaceless"});
      } else {
        notes.push_back("surfaceless platform: " + eglErrorText());
      }
    }
    if (has_device) {
      const auto query_devices =
          reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
      EGLint count = 0;
      EGLDeviceEXT device = nullptr;
      if (query_devices == nullptr) {
        notes.emplace_back("device platform: eglQueryDevicesEXT not available");
      } else if (query_devices(1, &device, &count) != EGL_TRUE || count < 1) {
        notes.push_back("device platform: no EGL device (" + eglErrorText() + ")");
      } else {
        EGLDisplay d = get_platform_display(EGL_PLATFORM_DEVICE_EXT, device, nullptr);
        if (d != EGL_NO_DISPLAY) {
          out.push_back({d, "device"});
        } else {
          notes.push_back("device platform: " + eglErrorText());
        }
      }
    }
  }
  EGLDisplay d = eglGetDisplay(EGL_DEFAULT_DISPLAY);
  if (d != EGL_NO_DISPLAY) {
    out.push_back({d, "default"});
  } else {
    notes.push_back("eglGetDisplay(EGL_DEFAULT_DISPLAY): " + eglErrorText());
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) {
    if (!s.empty()) s += "; ";
    s += p;
  }
  return s.empty() ? std::string("no EGL platform offered a display") : s;
}

std::string glString(GLenum name) {
  const GLubyte* s = glGetString(name);
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

}  // namespace

std::string hexCode(unsigned code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04X", code);
  return buf;
}

GlContext::GlContext() {
  if (const char* off = disabledByEnvironment()) {
    throw UnsupportedError(std::string("disabled by RFA_GL=") + off);
  }

  // 1. A display that initialises.
  std::vector<std::string> notes;
  for (const DisplayCandidate& c : candidateDisplays(notes)) {
    std::string failure;
    if (acquireDisplay(c.display, failure)) {
      display_ = c.display;
      platform_ = c.platform;
      break;
    }
    notes.push_back(c.platform + " platform: " + failure);
  }
  if (display_ == EGL_NO_DISPLAY) throw UnsupportedError("no EGL display: " + joined(notes));

  // From here on a failure releases what was acquired.
  struct Cleanup {
    GlContext* self;
    bool armed = true;
    ~Cleanup() {
      if (!armed) return;
      if (self->context_ != EGL_NO_CONTEXT) {
        if (eglGetCurrentContext() == self->context_) {
          eglMakeCurrent(self->display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        }
        eglDestroyContext(self->display_, self->context_);
      }
      releaseDisplay(self->display_);
    }
  } cleanup{this};

  // 2. An OpenGL 4.3 core context without a surface.
  if (eglBindAPI(EGL_OPENGL_API) != EGL_TRUE) {
    throw UnsupportedError("EGL display (" + platform_ + ") does not offer desktop OpenGL (" +
                           eglErrorText() + ")");
  }
  const char* display_ext = eglQueryString(display_, EGL_EXTENSIONS);
  if (!hasExtension(display_ext, "EGL_KHR_surfaceless_context")) {
    throw UnsupportedError("EGL display (" + platform_ +
                           ") lacks EGL_KHR_surfaceless_context (needed without a window)");
  }
  EGLConfig config = EGL_NO_CONFIG_KHR;
  if (!hasExtension(display_ext, "EGL_KHR_no_config_context")) {
    const EGLint want[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE};
    EGLint n = 0;
    if (eglChooseConfig(display_, want, &config, 1, &n) != EGL_TRUE || n < 1) {
      throw UnsupportedError("EGL display (" + platform_ + ") has no OpenGL config (" +
                             eglErrorText() + ")");
    }
  }
  const EGLint attributes[] = {EGL_CONTEXT_MAJOR_VERSION,
                               4,
                               EGL_CONTEXT_MINOR_VERSION,
                               3,
                               EGL_CONTEXT_OPENGL_PROFILE_MASK,
                               EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                               EGL_NONE};
  context_ = eglCreateContext(display_, config, EGL_NO_CONTEXT, attributes);
  if (context_ == EGL_NO_CONTEXT) {
    throw UnsupportedError("OpenGL 4.3 core context refused (" + eglErrorText() + ") by the " +
                           platform_ + " EGL display");
  }
  if (eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_) != EGL_TRUE) {
    throw UnsupportedError("eglMakeCurrent of the OpenGL 4.3 context failed (" + eglErrorText() +
                           ")");
  }

  // 3. GL answers through the dispatch library (libOpenGL).
  renderer_ = glString(GL_RENDERER);
  version_ = glString(GL_VERSION);
  if (renderer_.empty()) {
    throw UnsupportedError("GL_RENDERER unavailable: glGetString returned null (GL error " +
                           hexCode(glGetError()) + ") on the " + platform_ + " EGL display");
  }
  GLint major = 0;
  GLint minor = 0;
  glGetIntegerv(GL_MAJOR_VERSION, &major);
  glGetIntegerv(GL_MINOR_VERSION, &minor);
  if (major < 4 || (major == 4 && minor < 3)) {
    throw UnsupportedError("GL_RENDERER " + renderer_ + " gives OpenGL " + version_ +
                           ", below the 4.3 needed for compute shaders");
  }
  cleanup.armed = false;
}

GlContext::~GlContext() {
  if (eglGetCurrentContext() == context_) {
    eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  }
  eglDestroyContext(display_, context_);
  releaseDisplay(display_);
}

void GlContext::makeCurrent() const {
  if (eglGetCurrentContext() == context_) return;
  if (eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_) != EGL_TRUE) {
    throw std::runtime_error("GL backend: cannot make its OpenGL context current on this thread (" +
                             eglErrorText() +
                             "); all calls must come from the thread that created the backend");
  }
}

}  // namespace rfa::thermal::detail
