// GLSL 4.3 compute backend: shaders/bioheat_step.comp through a headless EGL context. The problem
// is uploaded once (materials packed 4 per uint, the tables and scalars in one std430 block), the
// temperature ping-pongs between two buffers, Omega / T_max / CEM43 are updated in place.
//
// Thread rule: the OpenGL context is current on the thread that created the backend; every call
// (advance, setSource, read*, the destructor) must come from that same thread. Several GL backends
// may live on one thread: each call makes its own context current first.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gl_context.h"
#include "rfa/core/error.h"
#include "rfa/thermal/heat_backend.h"

namespace rfa::thermal {

namespace {

constexpr char kShaderFile[] = "bioheat_step.comp";
constexpr GLuint kLocalSize = 64;  // local_size_x of the shader

// Bindings of the shader's storage blocks.
enum Binding : GLuint {
  kTIn = 0,
  kTOut = 1,
  kSource = 2,
  kMaterial = 3,
  kOmega = 4,
  kTMax = 5,
  kCem = 6,
  kParams = 7,
  kBindingCount = 8,
};

// Mirror of the shader's std430 block `Params` (only 4-byte scalars and arrays of them, so std430
// packs them without padding); the offsets are checked against the linked program.
struct GlParams {
  std::uint32_t nx, ny, nz, voxel_count;
  float g[3 * kMaterialCount * kMaterialCount];
  float dt_over_rhoc[kMaterialCount];
  float perf[kMaterialCount];
  float held_c[kMaterialCount];
  std::uint32_t is_held[kMaterialCount];
  float arterial_c;
  float boundary_c;
  std::uint32_t insulated;
  std::uint32_t perfusion_stops;
  float ln_a;
  float ea_over_r_k;
  float damage_floor_c;
  float dt_s;
  float vaporisation_c;
};
static_assert(sizeof(GlParams) == 948, "GlParams must match the std430 block of the shader");

std::string glErrorsText() {
  std::string s;
  for (GLenum e = glGetError(); e != GL_NO_ERROR; e = glGetError()) {
    if (!s.empty()) s += ", ";
    s += detail::hexCode(e);
    if (s.size() > 200) break;  // a lost context may repeat its error forever
  }
  return s;
}

// The info log of a shader or program (without its terminating NUL).
std::string shaderLog(GLuint shader) {
  GLint length = 0;
  glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
  std::string log(static_cast<std::size_t>(std::max(length, 1)), '\0');
  GLsizei written = 0;
  glGetShaderInfoLog(shader, static_cast<GLsizei>(log.size()), &written, log.data());
  log.resize(static_cast<std::size_t>(std::max(written, 0)));
  return log.empty() ? std::string("(empty log)") : log;
}
std::string programLog(GLuint program) {
  GLint length = 0;
  glGetProgramiv(program, GL_INFO_LOG_LENGTH, &length);
  std::string log(static_cast<std::size_t>(std::max(length, 1)), '\0');
  GLsizei written = 0;
  glGetProgramInfoLog(program, static_cast<GLsizei>(log.size()), &written, log.data());
  log.resize(static_cast<std::size_t>(std::max(written, 0)));
  return log.empty() ? std::string("(empty log)") : log;
}

GLuint compileProgram(const std::string& renderer) {
  const char* source = detail::embeddedShader(kShaderFile);
  const GLuint shader = glCreateShader(GL_COMPUTE_SHADER);
  if (shader == 0) {
    throw UnsupportedError("GL backend: glCreateShader(GL_COMPUTE_SHADER) failed on " + renderer +
                           " (GL error " + glErrorsText() + ")");
  }
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok != GL_TRUE) {
    const std::string log = shaderLog(shader);
    glDeleteShader(shader);
    throw UnsupportedError(std::string("GL backend: GLSL compile of ") + kShaderFile +
                           " failed on " + renderer + ": " + log);
  }
  const GLuint program = glCreateProgram();
  glAttachShader(program, shader);
  glLinkProgram(program);
  glDeleteShader(shader);  // flagged; freed with the program
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    const std::string log = programLog(program);
    glDeleteProgram(program);
    throw UnsupportedError(std::string("GL backend: GLSL link of ") + kShaderFile + " failed on " +
                           renderer + ": " + log);
  }
  return program;
}

// The compiler's offsets of the Params members against offsetof(GlParams, ...).
void checkParamsLayout(GLuint program) {
  struct Member {
    const char* name;
    std::size_t offset;
  };
  const Member members[] = {
      {"nx", offsetof(GlParams, nx)},
      {"voxel_count", offsetof(GlParams, voxel_count)},
      {"g[0]", offsetof(GlParams, g)},
      {"dt_over_rhoc[0]", offsetof(GlParams, dt_over_rhoc)},
      {"perf[0]", offsetof(GlParams, perf)},
      {"held_c[0]", offsetof(GlParams, held_c)},
      {"is_held[0]", offsetof(GlParams, is_held)},
      {"arterial_c", offsetof(GlParams, arterial_c)},
      {"insulated", offsetof(GlParams, insulated)},
      {"perfusion_stops", offsetof(GlParams, perfusion_stops)},
      {"ln_a", offsetof(GlParams, ln_a)},
      {"damage_floor_c", offsetof(GlParams, damage_floor_c)},
      {"dt_s", offsetof(GlParams, dt_s)},
      {"vaporisation_c", offsetof(GlParams, vaporisation_c)},
  };
  const GLenum property = GL_OFFSET;
  for (const Member& m : members) {
    const GLuint index = glGetProgramResourceIndex(program, GL_BUFFER_VARIABLE, m.name);
    if (index == GL_INVALID_INDEX) continue;  // inactive member: nothing to check
    GLint offset = -1;
    glGetProgramResourceiv(program, GL_BUFFER_VARIABLE, index, 1, &property, 1, nullptr, &offset);
    if (offset != static_cast<GLint>(m.offset)) {
      throw UnsupportedError(std::string("GL backend: the shader places Params.") + m.name +
                             " at byte " + std::to_string(offset) + ", the C++ mirror at " +
                             std::to_string(m.offset));
    }
  }
}

GlParams makeParams(const HeatProblem& p) {
  GlParams u{};
  u.nx = static_cast<std::uint32_t>(p.size[0]);
  u.ny = static_cast<std::uint32_t>(p.size[1]);
  u.nz = static_cast<std::uint32_t>(p.size[2]);
  u.voxel_count = static_cast<std::uint32_t>(p.voxelCount());
  for (std::size_t axis = 0; axis < 3; ++axis) {
    for (std::size_t a = 0; a < kMaterialCount; ++a) {
      for (std::size_t b = 0; b < kMaterialCount; ++b) {
        u.g[(axis * kMaterialCount + a) * kMaterialCount + b] = p.g[axis][a][b];
      }
    }
  }
  for (std::size_t m = 0; m < kMaterialCount; ++m) {
    u.dt_over_rhoc[m] = p.dt_over_rhoc[m];
    u.perf[m] = p.perf[m];
    const bool held = !std::isnan(p.held[m]);
    u.held_c[m] = held ? p.held[m] : 0.0F;
    u.is_held[m] = held ? 1U : 0U;
  }
  u.arterial_c = p.arterial_c;
  u.boundary_c = p.boundary_temperature_c;
  u.insulated = p.insulated_boundary ? 1U : 0U;
  u.perfusion_stops = p.perfusion_stops_with_damage ? 1U : 0U;
  u.ln_a = p.ln_a;
  u.ea_over_r_k = p.ea_over_r_k;
  u.damage_floor_c = p.damage_floor_c;
  u.dt_s = p.dt_s;
  u.vaporisation_c =
      std::isfinite(p.vaporisation_c) ? p.vaporisation_c : std::numeric_limits<float>::max();
  return u;
}

class GlBackend final : public HeatBackend {
 public:
  explicit GlBackend(const HeatProblem& p) : context_(std::make_unique<detail::GlContext>()) {
    n_ = p.voxelCount();
    if (p.material.size() != n_ || n_ == 0) {
      throw GeometryError("GL backend: " + std::to_string(p.material.size()) +
                          " material voxels for " + std::to_string(n_) + " grid voxels");
    }
    checkLimits(p);
    program_ = compileProgram(context_->renderer());
    checkParamsLayout(program_);

    // Initial state as the CPU backend: held voxels at their temperature, others at the initial.
    std::vector<float> t(n_);
    std::vector<std::uint32_t> packed((n_ + 3) / 4, 0U);
    for (std::size_t i = 0; i < n_; ++i) {
      const std::uint8_t m = p.material[i];
      if (m >= kMaterialCount) {
        throw CorruptDataError("GL backend: material index " + std::to_string(m) + " at voxel " +
                               std::to_string(i) + " (valid 0.." +
                               std::to_string(kMaterialCount - 1) + ")");
      }
      const float h = p.held[m];
      t[i] = std::isnan(h) ? p.initial_temperature_c : h;
      packed[i / 4] |= static_cast<std::uint32_t>(m) << (8U * (i % 4));
    }
    const std::vector<float> zeros(n_, 0.0F);
    const GlParams params = makeParams(p);
    glGenBuffers(static_cast<GLsizei>(std::size(buffers_)), buffers_);
    upload(buffers_[kTIn], t.data(), n_ * sizeof(float), GL_DYNAMIC_COPY);
    upload(buffers_[kTOut], t.data(), n_ * sizeof(float), GL_DYNAMIC_COPY);
    upload(buffers_[kSource], zeros.data(), n_ * sizeof(float), GL_DYNAMIC_DRAW);
    upload(buffers_[kMaterial], packed.data(), packed.size() * sizeof(std::uint32_t),
           GL_STATIC_DRAW);
    upload(buffers_[kOmega], zeros.data(), n_ * sizeof(float), GL_DYNAMIC_COPY);
    upload(buffers_[kTMax], t.data(), n_ * sizeof(float), GL_DYNAMIC_COPY);
    upload(buffers_[kCem], zeros.data(), n_ * sizeof(float), GL_DYNAMIC_COPY);
    upload(buffers_[kParams], &params, sizeof params, GL_STATIC_DRAW);
    glFinish();  // an out-of-memory is reported now rather than at the first step
    const std::string errors = glErrorsText();
    if (!errors.empty()) {
      throw UnsupportedError("GL backend: setting up " + std::to_string(n_) + " voxels on " +
                             context_->renderer() + " failed (GL error " + errors + ")");
    }
  }

  ~GlBackend() override {
    try {
      context_->makeCurrent();
      glDeleteBuffers(static_cast<GLsizei>(std::size(buffers_)), buffers_);
      glDeleteProgram(program_);
    } catch (...) {
      // Another thread holds the context: destroying the context frees its objects anyway.
    }
  }

  [[nodiscard]] std::string name() const override { return "gl (" + context_->renderer() + ")"; }

  void setSource(const std::vector<float>& q) override {
    if (q.size() != n_) return;  // as the CPU backend: a source of the wrong size is ignored
    context_->makeCurrent();
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, buffers_[kSource]);
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(n_ * sizeof(float)),
                    q.data());
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  }

  void advance(int steps) override {
    if (steps <= 0) return;
    context_->makeCurrent();
    glUseProgram(program_);
    for (GLuint b = kSource; b < kBindingCount; ++b) {
      glBindBufferBase(GL_SHADER_STORAGE_BUFFER, b, buffers_[b]);
    }
    for (int s = 0; s < steps; ++s) {
      glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kTIn, buffers_[current_]);
      glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kTOut, buffers_[1 - current_]);
      glDispatchCompute(groups_x_, groups_y_, 1);
      // The next step reads T_out, Omega, T_max and CEM43 written by this one.
      glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
      current_ = 1 - current_;
    }
    glUseProgram(0);
    const std::string errors = glErrorsText();
    if (!errors.empty()) {
      throw std::runtime_error("GL backend: advance(" + std::to_string(steps) + ") on " +
                               context_->renderer() + " raised GL error " + errors);
    }
  }

  void readTemperature(std::vector<float>& out) override {
    context_->makeCurrent();
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    read(buffers_[current_], out);
  }

  HeatFields readFields() override {
    context_->makeCurrent();
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    HeatFields f;
    read(buffers_[current_], f.temperature_c);
    read(buffers_[kTMax], f.temperature_max_c);
    read(buffers_[kOmega], f.omega);
    read(buffers_[kCem], f.cem43_min);
    return f;
  }

 private:
  // Buffer sizes against GL_MAX_SHADER_STORAGE_BLOCK_SIZE, indices against 32 bits, the work
  // group count against GL_MAX_COMPUTE_WORK_GROUP_COUNT; sets groups_x_ / groups_y_.
  void checkLimits(const HeatProblem& p) {
    const std::string where = " for a " + std::to_string(p.size[0]) + "x" +
                              std::to_string(p.size[1]) + "x" + std::to_string(p.size[2]) +
                              " grid on " + context_->renderer();
    GLint blocks = 0;
    glGetIntegerv(GL_MAX_COMPUTE_SHADER_STORAGE_BLOCKS, &blocks);
    if (blocks < static_cast<GLint>(kBindingCount)) {
      throw UnsupportedError("GL backend: " + std::to_string(blocks) +
                             " storage blocks per compute shader, " +
                             std::to_string(kBindingCount) + " needed");
    }
    GLint64 max_block = 0;
    glGetInteger64v(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &max_block);
    const auto bytes = static_cast<std::uint64_t>(n_) * sizeof(float);
    if (max_block <= 0 || bytes > static_cast<std::uint64_t>(max_block)) {
      throw UnsupportedError("GL backend: a field of " + std::to_string(bytes) +
                             " bytes exceeds GL_MAX_SHADER_STORAGE_BLOCK_SIZE (" +
                             std::to_string(max_block) + " bytes)" + where);
    }
    // n + nx*ny (the z+ neighbour) and the invocation index must fit in a 32-bit uint.
    const std::uint64_t slice = static_cast<std::uint64_t>(p.size[0]) * p.size[1];
    const std::uint64_t groups = (n_ + kLocalSize - 1) / kLocalSize;
    GLint max_x = 0;
    GLint max_y = 0;
    glGetIntegeri_v(GL_MAX_COMPUTE_WORK_GROUP_COUNT, 0, &max_x);
    glGetIntegeri_v(GL_MAX_COMPUTE_WORK_GROUP_COUNT, 1, &max_y);
    const std::uint64_t gx = std::min<std::uint64_t>(groups, static_cast<std::uint64_t>(max_x));
    const std::uint64_t gy = gx == 0 ? 0 : (groups + gx - 1) / gx;
    constexpr std::uint64_t kUintMax = std::numeric_limits<std::uint32_t>::max();
    if (n_ + slice > kUintMax || gx * gy * kLocalSize > kUintMax) {
      throw UnsupportedError("GL backend: " + std::to_string(n_) +
                             " voxels exceed the 32-bit indices of the kernel" + where);
    }
    if (gy > static_cast<std::uint64_t>(max_y)) {
      throw UnsupportedError("GL backend: " + std::to_string(groups) +
                             " work groups exceed GL_MAX_COMPUTE_WORK_GROUP_COUNT" + where);
    }
    groups_x_ = static_cast<GLuint>(gx);
    groups_y_ = static_cast<GLuint>(gy);
    const std::string errors = glErrorsText();
    if (!errors.empty()) {
      throw UnsupportedError("GL backend: querying the limits raised GL error " + errors + where);
    }
  }

  static void upload(GLuint buffer, const void* data, std::size_t bytes, GLenum usage) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, buffer);
    glBufferData(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(bytes), data, usage);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  }

  void read(GLuint buffer, std::vector<float>& out) const {
    out.resize(n_);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, buffer);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(n_ * sizeof(float)),
                       out.data());
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    const std::string errors = glErrorsText();
    if (!errors.empty()) {
      throw std::runtime_error("GL backend: reading a field back from " + context_->renderer() +
                               " raised GL error " + errors);
    }
  }

  std::unique_ptr<detail::GlContext> context_;  // first member: destroyed last
  std::size_t n_ = 0;
  GLuint program_ = 0;
  GLuint buffers_[kBindingCount] = {};  // indexed by Binding; kTIn / kTOut are the ping-pong pair
  GLuint current_ = kTIn;               // index in buffers_ of the current temperature
  GLuint groups_x_ = 1;
  GLuint groups_y_ = 1;
};

}  // namespace

std::unique_ptr<HeatBackend> makeGlBackend(const HeatProblem& problem) {
  return std::make_unique<GlBackend>(problem);
}

}  // namespace rfa::thermal
