#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <map>

#include "case_list_dialog.h"
#include "followup_panel.h"
#include "gui_convert.h"
#include "pacs_dialog.h"
#include "reactions/case_reactions.h"
#include "reactions/edit_reactions.h"
#include "reactions/file_reactions.h"
#include "reactions/view_reactions.h"
#include "rfa/core/private_files.h"
#include "rfa/planning/profile.h"
#include "rfa/workflow/board_images.h"
#include "sessions_widget.h"
#include "ultrasound_panel.h"
#include "vtk_view_widget.h"

namespace rfa::gui {

namespace {
constexpr int kMaxRecent = 8;
const char* const kResearchNotice =
    "RESEARCH USE ONLY — not a medical device, not for clinical use";

// The session limit of the case's profile (3 when it cannot be resolved or there is no case).
int maxSessionsOf(const workflow::CaseState* s) {
  if (s == nullptr) return 3;
  try {
    return planning::resolveProfile(s->profile_name).sessions.max_sessions;
  } catch (const std::exception&) {
    return 3;
  }
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("rfaplan — RFA planning (research use only)"));
  stack_ = new QStackedWidget(this);
  auto* splitter = new QSplitter(Qt::Horizontal);
  views_page_ = new QWidget;
  grid_ = new QGridLayout(views_page_);
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(2);
  auto* placeholder =
      new QLabel(tr("Open a DICOM folder, a volume file or a plan (File menu, or "
                    "rfaplan-gui PATH)."));
  placeholder->setAlignment(Qt::AlignCenter);
  grid_->addWidget(placeholder, 0, 0);
  splitter->addWidget(views_page_);
  tabs_ = new SessionsWidget(SessionsWidget::Mode::kTabs);
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  stack_->addWidget(splitter);
  board_ = new SessionsWidget(SessionsWidget::Mode::kBoard);
  stack_->addWidget(board_);
  ultrasound_ = new UltrasoundPanel(controller_, views_page_);
  ultrasound_->setVisible(false);
  followup_ = new FollowupPanel(controller_);
  stack_->addWidget(followup_);
  connect(followup_, &FollowupPanel::openFolderRequested, this, &MainWindow::openFollowupFolder);
  connect(followup_, &FollowupPanel::openFromPacsRequested, this,
          &MainWindow::openFollowupFromPacs);
  connect(&controller_, &CaseController::followupReady, this,
          [this] { setLayoutMode(Layout::kFollowup); });
  connect(&controller_, &CaseController::boardImagesReady, this, &MainWindow::applyBoardImages);
  connect(&controller_, &CaseController::busyChanged, this, [this](bool busy, const QString&) {
    if (!busy && board_images_pending_ && layout_ == Layout::kBoard) refreshBoardImages();
  });
  setCentralWidget(stack_);

  for (SessionsWidget* w : {tabs_, board_}) {
    connect(w, &SessionsWidget::moveRequested, &controller_, &CaseController::moveLesion);
    connect(w, &SessionsWidget::rejectRequested, &controller_, &CaseController::removeLesion);
    connect(w, &SessionsWidget::lesionSelected, this, [this](int id) {
      const workflow::CaseState* s = controller_.state();
      if (s == nullptr || !s->plan) return;
      for (const auto& l : s->plan->lesions) {
        if (l.id == id) setCursor(l.centroid_lps);
      }
    });
    connect(w, &SessionsWidget::reviewChanged, &controller_, &CaseController::setReview);
  }
  connect(board_, &SessionsWidget::presentRequested, this, [this] { (void)present(); });
  connect(board_, &SessionsWidget::reportRequested, this,
          [this] { exportAs(workflow::ExportKind::kReport); });

  // Status bar: progress, cancel, and the research-use notice that never goes away.
  busy_label_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setMaximumWidth(220);
  progress_->setVisible(false);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setVisible(false);
  cancel_->setObjectName(QStringLiteral("cancel"));
  connect(cancel_, &QPushButton::clicked, &controller_, &CaseController::cancel);
  auto* notice = new QLabel(tr(kResearchNotice));
  notice->setObjectName(QStringLiteral("research-notice"));
  notice->setStyleSheet(
      QStringLiteral("QLabel { color: white; background: #b00020; padding: 2px 8px; "
                     "font-weight: bold; }"));
  statusBar()->addWidget(busy_label_);
  statusBar()->addWidget(progress_);
  statusBar()->addWidget(cancel_);
  statusBar()->addPermanentWidget(notice);

  connect(&controller_, &CaseController::busyChanged, this, [this](bool busy, const QString& what) {
    busy_label_->setText(busy ? what + QStringLiteral("…") : QString());
    progress_->setVisible(busy);
    progress_->setValue(0);
    cancel_->setVisible(busy);
  });
  connect(&controller_, &CaseController::progressed, this, [this](const QString& stage, double f) {
    busy_label_->setText(stage);
    progress_->setValue(static_cast<int>(100 * f));
  });
  connect(&controller_, &CaseController::failed, this, &MainWindow::showError);
  connect(&controller_, &CaseController::seriesChoiceNeeded, this, &MainWindow::chooseSeries);
  connect(&controller_, &CaseController::message, this,
          [this](const QString& m) { statusBar()->showMessage(m, 15000); });
  connect(&controller_, &CaseController::caseOpened, this, [this] {
    // A new case (e.g. the next session planned on a follow-up) is shown in the views.
    if (layout_ == Layout::kFollowup) layout_ = Layout::kMpr;
    rebuildViews();
    refreshPlan();
    addRecent(QString::fromStdString(controller_.state()->input));
  });
  connect(&controller_, &CaseController::sceneChanged, this, &MainWindow::refreshViews);
  connect(&controller_, &CaseController::planChanged, this, &MainWindow::refreshPlan);
  connect(&controller_, &CaseController::lesionSegmented, this, [this](int) { refreshPlan(); });

  buildMenus();
  resize(1600, 1000);
  // The workstation's cache holds patient data: owner only, and the retrieved series pruned.
  try {
    createPrivateFolder(
        QStandardPaths::writableLocation(QStandardPaths::CacheLocation).toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("cache folder: %1").arg(qs(e.what())), 15000);
  }
  (void)CaseController::prunePacsCache();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  // Every command is a QAction with its reaction (reactions/): the reaction runs it and keeps
  // the action enabled only when it can run.
  using workflow::ExportKind;
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open_dir = file->addAction(tr("Open DICOM &folder…"));
  open_dir->setShortcut(QKeySequence::Open);
  open_dir->setObjectName(QStringLiteral("open-folder"));
  addReaction<OpenFolderReaction>(open_dir, *this);
  addReaction<OpenFileReaction>(file->addAction(tr("Open &plan or volume file…")), *this);
  addReaction<OpenFromPacsReaction>(file->addAction(tr("Open from PA&CS…")), *this);
  QAction* cases = file->addAction(tr("Cases (&worklist)…"));
  cases->setObjectName(QStringLiteral("cases"));
  connect(cases, &QAction::triggered, this, [this] { (void)showCases(); });
  QAction* clear_cache = file->addAction(tr("Clear cached patient data…"));
  clear_cache->setObjectName(QStringLiteral("clear-cache"));
  connect(clear_cache, &QAction::triggered, this, [this] {
    if (QMessageBox::question(
            this, tr("Clear cached patient data"),
            tr("Remove every series retrieved from a PACS and every export waiting in %1?\n\n"
               "Saved plans and their segmentations are not touched.")
                .arg(QFileInfo(CaseController::pacsCacheDir()).path())) != QMessageBox::Yes) {
      return;
    }
    clearCachedPatientData();
  });
  QAction* followup = file->addAction(tr("Open f&ollow-up of the plan…"));
  followup->setObjectName(QStringLiteral("open-followup"));
  addReaction<OpenFollowupReaction>(followup, *this);
  recent_menu_ = file->addMenu(tr("Open &recent"));
  fillRecentMenu();
  file->addSeparator();
  QAction* save = file->addAction(tr("&Save plan"));
  save->setShortcut(QKeySequence::Save);
  save->setObjectName(QStringLiteral("save-plan"));
  addReaction<SavePlanReaction>(save, *this, SavePlanReaction::Mode::kSave);
  addReaction<SavePlanReaction>(file->addAction(tr("Save plan &as…")), *this,
                                SavePlanReaction::Mode::kSaveAs);
  QMenu* exports = file->addMenu(tr("&Export"));
  QAction* export_rtss = exports->addAction(tr("DICOM RT &Structure Set…"));
  export_rtss->setObjectName(QStringLiteral("export-rtstruct"));
  addReaction<ExportReaction>(export_rtss, *this, ExportKind::kRtstruct);
  addReaction<ExportReaction>(exports->addAction(tr("DICOM &SEG…")), *this, ExportKind::kSeg);
  addReaction<ExportReaction>(exports->addAction(tr("Tumour-board &report (PDF)…")), *this,
                              ExportKind::kReport);
  addReaction<NavigationExportReaction>(
      exports->addAction(tr("For &navigation (3D Slicer markups + OpenIGTLink)…")), *this);
  QAction* research = exports->addAction(tr("&De-identified research package…"));
  research->setObjectName(QStringLiteral("export-research"));
  addReaction<ResearchExportReaction>(research, *this);
  exports->addSeparator();
  addReaction<ExportReaction>(exports->addAction(tr("Send RT Structure Set to PACS…")), *this,
                              ExportKind::kRtstruct, ExportReaction::Destination::kPacs);
  addReaction<ExportReaction>(exports->addAction(tr("Send SEG to PACS…")), *this, ExportKind::kSeg,
                              ExportReaction::Destination::kPacs);
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  QMenu* view_menu = menuBar()->addMenu(tr("&View"));
  auto* layouts = new QActionGroup(this);
  const std::array<std::pair<QString, Layout>, 5> modes{{{tr("&MPR + 3D"), Layout::kMpr},
                                                         {tr("&3D"), Layout::k3d},
                                                         {tr("&Ultrasound"), Layout::kUltrasound},
                                                         {tr("Tumour &board"), Layout::kBoard},
                                                         {tr("&Follow-up"), Layout::kFollowup}}};
  for (const auto& [name, mode] : modes) {
    QAction* a = view_menu->addAction(name);
    a->setCheckable(true);
    a->setChecked(mode == Layout::kMpr);
    layouts->addAction(a);
    addReaction<LayoutReaction>(a, *this, mode);
  }
  view_menu->addSeparator();
  QAction* crosshair = view_menu->addAction(tr("&Crosshair"));
  crosshair->setCheckable(true);
  crosshair->setChecked(true);
  addReaction<CrosshairReaction>(crosshair, *this);
  volume_ = view_menu->addAction(tr("3D &volume rendering"));
  volume_->setCheckable(true);
  volume_->setChecked(true);
  addReaction<VolumeRenderingReaction>(volume_, *this);
  layers_menu_ = view_menu->addMenu(tr("&Layers"));

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  undo_ = edit->addAction(tr("&Undo"));
  undo_->setShortcut(QKeySequence::Undo);
  addReaction<HistoryReaction>(undo_, *this, true);
  redo_ = edit->addAction(tr("&Redo"));
  redo_->setShortcut(QKeySequence::Redo);
  addReaction<HistoryReaction>(redo_, *this, false);

  QMenu* tools = menuBar()->addMenu(tr("&Tools"));
  auto* tool_group = new QActionGroup(this);
  tool_group->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
  seed_tool_ = tools->addAction(tr("&Segment lesion by click"));
  seed_tool_->setObjectName(QStringLiteral("seed-tool"));
  brush_tool_ = tools->addAction(tr("&Brush (paint lesion)"));
  brush_tool_->setObjectName(QStringLiteral("brush-tool"));
  eraser_tool_ = tools->addAction(tr("&Eraser"));
  eraser_tool_->setObjectName(QStringLiteral("eraser-tool"));
  ruler_tool_ = tools->addAction(tr("&Ruler (drag to measure)"));
  ruler_tool_->setObjectName(QStringLiteral("ruler-tool"));
  needle_tool_ = tools->addAction(tr("Move &needle tip (drag)"));
  needle_tool_->setObjectName(QStringLiteral("needle-tool"));
  for (QAction* a : {seed_tool_, brush_tool_, eraser_tool_, ruler_tool_, needle_tool_}) {
    a->setCheckable(true);
    tool_group->addAction(a);
    connect(a, &QAction::toggled, this, [this] { applyTool(); });
  }
  tools->addSeparator();
  QAction* detect = tools->addAction(tr("&Detect lesions automatically"));
  detect->setObjectName(QStringLiteral("detect-lesions"));
  addReaction<DetectLesionsReaction>(detect, *this);
  QAction* atlas = tools->addAction(tr("Liver from &atlases..."));
  atlas->setObjectName(QStringLiteral("liver-from-atlases"));
  atlas->setToolTip(
      tr("Multi-atlas liver: register each labelled atlas of a folder (same "
         "modality) to this image and fuse their livers; about 1.5 s per atlas"));
  addReaction<LiverFromAtlasesReaction>(atlas, *this);
  QAction* remove = tools->addAction(tr("&Remove lesion at cursor"));
  remove->setShortcut(QKeySequence::Delete);
  remove->setObjectName(QStringLiteral("remove-lesion"));
  addReaction<RemoveLesionAtCursorReaction>(remove, *this);
  tools->addSeparator();
  QAction* plan = tools->addAction(tr("&Plan (preview model)"));
  plan->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  plan->setObjectName(QStringLiteral("plan-preview"));
  addReaction<PlanReaction>(plan, *this, false);
  addReaction<PlanReaction>(tools->addAction(tr("Plan and &confirm with simulation")), *this, true);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  addReaction<AboutReaction>(help->addAction(tr("&About")), *this, tr(kResearchNotice));

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("main-toolbar"));
  bar->addAction(open_dir);
  bar->addAction(save);
  bar->addSeparator();
  bar->addAction(seed_tool_);
  bar->addAction(brush_tool_);
  bar->addAction(eraser_tool_);
  bar->addAction(ruler_tool_);
  bar->addAction(needle_tool_);
  auto* radius = new QDoubleSpinBox;
  radius->setRange(0.5, 25.0);
  radius->setSingleStep(0.5);
  radius->setValue(controller_.brushRadius());
  radius->setSuffix(tr(" mm"));
  radius->setToolTip(tr("Brush and eraser radius"));
  radius->setObjectName(QStringLiteral("brush-radius"));
  connect(radius, &QDoubleSpinBox::valueChanged, &controller_, &CaseController::setBrushRadius);
  bar->addWidget(radius);
  bar->addSeparator();
  bar->addAction(plan);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" W/L ")));
  preset_ = new QComboBox;
  preset_->addItems({QStringLiteral("liver"), QStringLiteral("abdomen"), QStringLiteral("bone")});
  connect(preset_, &QComboBox::currentTextChanged, this, &MainWindow::applyPreset);
  bar->addWidget(preset_);
  bar->addWidget(new QLabel(tr("  Overlay opacity ")));
  opacity_ = new QSlider(Qt::Horizontal);
  opacity_->setRange(0, 100);
  opacity_->setValue(100);
  opacity_->setMaximumWidth(140);
  connect(opacity_, &QSlider::valueChanged, this, [this] { refreshViews(); });
  bar->addWidget(opacity_);
}

void MainWindow::openPath(const QString& path) {
  if (!confirmDiscard()) return;
  controller_.open(path);
}

void MainWindow::exportAs(workflow::ExportKind kind) {
  const bool pdf = kind == workflow::ExportKind::kReport;
  const QString filter = pdf ? tr("PDF (*.pdf)") : tr("DICOM (*.dcm)");
  const QString suggested = pdf ? QStringLiteral("report.pdf")
                                : QStringLiteral("%1.dcm").arg(workflow::exportKindName(kind));
  const QString f = QFileDialog::getSaveFileName(this, tr("Export"), suggested, filter);
  if (!f.isEmpty()) controller_.exportPlan(kind, f);
}

void MainWindow::applyTool() {
  VtkViewWidget::Tool tool = VtkViewWidget::Tool::kCursor;
  if (seed_tool_->isChecked()) tool = VtkViewWidget::Tool::kSeed;
  if (brush_tool_->isChecked()) tool = VtkViewWidget::Tool::kBrush;
  if (eraser_tool_->isChecked()) tool = VtkViewWidget::Tool::kEraser;
  if (ruler_tool_->isChecked()) tool = VtkViewWidget::Tool::kRuler;
  if (needle_tool_->isChecked()) tool = VtkViewWidget::Tool::kNeedle;
  for (VtkViewWidget* v : sliceViews()) v->setTool(tool);
}

void MainWindow::chooseSeries(const QString& path, const std::vector<SeriesChoice>& choices) {
  // The series browser: one row per series of the folder; a double click or Open loads it.
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Series in %1").arg(path));
  dialog.setObjectName(QStringLiteral("series-browser"));
  auto* layout = new QVBoxLayout(&dialog);
  auto* list = new QTreeWidget(&dialog);
  list->setHeaderLabels(
      {tr("Patient"), tr("Study"), tr("Series"), tr("Modality"), tr("Slices"), tr("Loadable")});
  list->setRootIsDecorated(false);
  for (const SeriesChoice& c : choices) {
    auto* item = new QTreeWidgetItem(
        list, {c.patient, c.study, c.series, c.modality, QString::number(c.slices),
               c.loadable ? tr("yes") : tr("no: %1").arg(c.problem)});
    item->setData(0, Qt::UserRole, c.id);
    if (!c.loadable) item->setDisabled(true);
  }
  list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  layout->addWidget(list);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  connect(list, &QTreeWidget::itemDoubleClicked, &dialog, &QDialog::accept);
  dialog.resize(900, 320);
  last_series_choices_ = static_cast<int>(choices.size());
  if (dialog.exec() != QDialog::Accepted || list->currentItem() == nullptr) return;
  controller_.open(path, list->currentItem()->data(0, Qt::UserRole).toString());
}

void MainWindow::showError(const QString& title, const QString& text) {
  last_error_ = title + ": " + text;
  statusBar()->showMessage(title + ": " + text.section('\n', 0, 0), 20000);
  // Window-modal and non-blocking: the application keeps running (and tests keep driving it).
  auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setObjectName(QStringLiteral("error-dialog"));
  box->open();
}

void MainWindow::rebuildViews() {
  for (VtkViewWidget*& v : views_) {
    if (v != nullptr) {
      grid_->removeWidget(v);
      delete v;
      v = nullptr;
    }
  }
  while (QLayoutItem* item = grid_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  const std::shared_ptr<render::Scene> scene = controller_.scene();
  if (!scene) return;
  const std::array<std::pair<ViewRole, std::optional<render::Orientation>>, 4> kinds{
      {{ViewRole::kAxial, render::Orientation::kAxial},
       {ViewRole::kCoronal, render::Orientation::kCoronal},
       {ViewRole::kSagittal, render::Orientation::kSagittal},
       {ViewRole::k3d, std::nullopt}}};
  for (const auto& [role, orientation] : kinds) {
    const auto i = static_cast<std::size_t>(role);
    views_[i] = new VtkViewWidget(scene, orientation, views_page_);
    if (orientation) {
      connect(views_[i], &VtkViewWidget::cursorMoved, this, &MainWindow::setCursor);
      connect(views_[i], &VtkViewWidget::strokeStarted, &controller_, &CaseController::beginStroke);
      connect(views_[i], &VtkViewWidget::strokeMoved, &controller_,
              &CaseController::continueStroke);
      connect(views_[i], &VtkViewWidget::strokeEnded, &controller_, &CaseController::endStroke);
      connect(views_[i], &VtkViewWidget::needlePressed, &controller_,
              &CaseController::beginNeedleDrag);
      connect(views_[i], &VtkViewWidget::needleDragged, &controller_,
              &CaseController::moveNeedleDrag);
      connect(views_[i], &VtkViewWidget::needleReleased, &controller_,
              &CaseController::endNeedleDrag);
      connect(views_[i], &VtkViewWidget::measured, this, [this](double mm) {
        statusBar()->showMessage(tr("Ruler: %1 mm").arg(mm, 0, 'f', 1), 30000);
      });
      connect(views_[i], &VtkViewWidget::seedClicked, &controller_,
              &CaseController::segmentLesionAt);
      connect(views_[i], &VtkViewWidget::windowLevelChanged, this, [this](double w, double l) {
        for (VtkViewWidget* v : sliceViews()) {
          v->sliceView()->setWindowLevel({w, l});
          v->update();
        }
      });
    }
  }
  // Software OpenGL (llvmpipe): GPU ray casting of the CT takes seconds per frame, so the 3D view
  // starts with the surfaces only; View > 3D volume rendering turns it on, at a coarser sampling.
  if (VtkViewWidget::softwareOpenGl()) {
    view(ViewRole::k3d)->volumeView()->setVolumeVisible(false);
    view(ViewRole::k3d)->volumeView()->setVolumeSampling(2.0, 2.0);
    volume_->setChecked(false);
    statusBar()->showMessage(
        tr("Software OpenGL (%1): 3D volume rendering off (seconds per frame); surfaces shown")
            .arg(VtkViewWidget::openGlRenderer()),
        15000);
  }
  applyTool();
  const ImageGeometry& g = scene->ct().geometry();
  const Size3 n = g.size();
  setCursor(
      g.indexToLps(Vec3(0.5 * static_cast<double>(n[0] - 1), 0.5 * static_cast<double>(n[1] - 1),
                        0.5 * static_cast<double>(n[2] - 1))));
  applyPreset(preset_->currentText());
  setLayoutMode(layout_);
  refreshViews();
}

std::vector<VtkViewWidget*> MainWindow::sliceViews() const {
  std::vector<VtkViewWidget*> out;
  for (const ViewRole r : {ViewRole::kAxial, ViewRole::kCoronal, ViewRole::kSagittal}) {
    if (VtkViewWidget* v = view(r)) out.push_back(v);
  }
  return out;
}

void MainWindow::setLayoutMode(Layout layout) {
  const bool to_board = layout == Layout::kBoard && layout_ != Layout::kBoard;
  layout_ = layout;
  if (to_board) refreshPlan();  // the board's pictures are made when it is shown
  stack_->setCurrentIndex(layout == Layout::kBoard ? 1 : layout == Layout::kFollowup ? 2 : 0);
  VtkViewWidget* three_d = view(ViewRole::k3d);
  if (three_d == nullptr) return;
  for (VtkViewWidget* v : views_) grid_->removeWidget(v);
  grid_->removeWidget(ultrasound_);
  ultrasound_->setVisible(layout == Layout::kUltrasound);
  if (layout == Layout::k3d) {
    for (VtkViewWidget* v : sliceViews()) v->setVisible(false);
    grid_->addWidget(three_d, 0, 0);
  } else if (layout == Layout::kUltrasound) {
    for (VtkViewWidget* v : sliceViews()) v->setVisible(false);
    grid_->addWidget(three_d, 0, 0);
    grid_->addWidget(ultrasound_, 0, 1);
    grid_->setColumnStretch(0, 1);
    grid_->setColumnStretch(1, 1);
  } else {
    grid_->addWidget(view(ViewRole::kAxial), 0, 0);
    grid_->addWidget(view(ViewRole::kCoronal), 0, 1);
    grid_->addWidget(view(ViewRole::kSagittal), 1, 0);
    grid_->addWidget(three_d, 1, 1);
    for (VtkViewWidget* v : views_) v->setVisible(true);
  }
  three_d->setVisible(true);
}

void MainWindow::setCursor(const Vec3& p_lps) {
  cursor_ = p_lps;
  for (VtkViewWidget* v : sliceViews()) {
    v->sliceView()->setCursorLps(p_lps);
    v->update();
  }
}

void MainWindow::applyPreset(const QString& name) {
  try {
    const render::WindowLevel wl = render::presetWindowLevel(name.toStdString());
    for (VtkViewWidget* v : sliceViews()) {
      v->sliceView()->setWindowLevel(wl);
      v->update();
    }
  } catch (const std::exception& e) {
    showError(tr("Window/level"), QString::fromUtf8(e.what()));
  }
}

void MainWindow::refreshViews() {
  const std::shared_ptr<render::Scene> scene = controller_.scene();
  if (!scene) return;
  // Overlay opacity: the slider scales each layer's own opacity (kept as a property of the menu).
  static const std::map<std::string, double> kBase{
      {"liver", 0.25}, {"vessels", 0.45}, {"lesions", 0.6}, {"margins", 0.25}, {"zones", 0.3}};
  const double scale = opacity_->value() / 100.0;
  layers_menu_->clear();
  for (const std::string& name : scene->layerNames()) {
    const auto it = kBase.find(name);
    scene->setLayerOpacity(name, (it != kBase.end() ? it->second : 0.4) * scale);
    QAction* a = layers_menu_->addAction(QString::fromStdString(name));
    a->setCheckable(true);
    a->setChecked(scene->layer(name)->visible);
    connect(a, &QAction::toggled, this, [this, name](bool on) {
      controller_.scene()->setLayerVisible(name, on);
      for (VtkViewWidget* v : views_) {
        if (v != nullptr) v->update();
      }
    });
  }
  for (VtkViewWidget* v : views_) {
    if (v != nullptr) v->update();
  }
}

void MainWindow::refreshPlan() {
  const workflow::CaseState* s = controller_.state();
  const planning::TreatmentPlan* plan = (s != nullptr && s->plan) ? &*s->plan : nullptr;
  const int max_sessions = maxSessionsOf(s);
  tabs_->setPlan(plan, controller_.problems(), max_sessions);
  if (layout_ == Layout::kBoard) {
    refreshBoardImages();
  } else {
    board_->setImages({}, {}, {});
    slides_.clear();
  }
  board_->setPlan(plan, controller_.problems(), max_sessions);
}

void MainWindow::refreshBoardImages() {
  slides_.clear();
  board_->setImages({}, {}, {});
  const workflow::CaseState* s = controller_.state();
  if (s == nullptr || !s->plan) return;
  if (controller_.busy()) {
    board_images_pending_ = true;  // made when the running job ends
    return;
  }
  board_images_pending_ = false;
  controller_.makeBoardImages();
}

void MainWindow::applyBoardImages(const std::shared_ptr<const workflow::BoardImages>& images) {
  slides_.clear();
  const workflow::CaseState* s = controller_.state();
  if (s == nullptr || !s->plan || !images) return;
  std::map<int, QImage> axial;
  std::map<int, QImage> ultrasound;
  std::map<int, QImage> overviews;
  for (const workflow::LesionThumbnails& t : images->lesions) {
    axial[t.lesion_id] = toQImage(t.axial);
    if (t.ultrasound) ultrasound[t.lesion_id] = toQImage(*t.ultrasound);
  }
  for (const workflow::SessionOverview& o : images->sessions) {
    overviews[o.session] = toQImage(o.overview);
  }
  for (const planning::PlanLesion& l : s->plan->lesions) {
    PresentationSlide slide;
    slide.lesion_id = l.id;
    slide.session = l.session;
    slide.axial = axial[l.id];
    if (ultrasound.count(l.id) != 0) slide.ultrasound = ultrasound[l.id];
    QString text =
        tr("%1 mm, %2 ablation(s)").arg(l.diameter_mm, 0, 'f', 0).arg(l.placements.size());
    if (!l.placements.empty()) {
      text += tr("; minimal margin %1 mm (preview)").arg(l.preview.minimal_margin_mm, 0, 'f', 1);
      if (l.confirmation) {
        text += tr(", %1 mm simulated").arg(l.confirmation->margins.minimal_margin_mm, 0, 'f', 1);
      }
      if (l.uncertainty) {
        text += tr("; P(margin \u2265 %1 mm) = %2")
                    .arg(s->plan->settings.minimum_margin_mm, 0, 'f', 0)
                    .arg(l.uncertainty->probability_margin_ok, 0, 'f', 2);
      }
    }
    if (l.ultrasound) {
      const planning::PlanUltrasound& w = *l.ultrasound;
      text += w.access.empty() ? tr("<br>Ultrasound: no probe window")
                               : tr("<br>Ultrasound: %1 window, lesion %2 % / needle %3 % "
                                    "visible, %4 mm deep")
                                     .arg(qs(w.access))
                                     .arg(100 * w.lesion_visible, 0, 'f', 0)
                                     .arg(100 * w.needle_visible, 0, 'f', 0)
                                     .arg(w.depth_mm, 0, 'f', 0);
      for (const std::string& f : w.flags) text += "<br><i>" + qs(f).toHtmlEscaped() + "</i>";
    }
    if (l.flag != planning::LesionFlag::kNone) {
      text += "<br><i>" + qs(planning::toString(l.flag)).toHtmlEscaped() +
              "</i>: " + qs(l.reason).toHtmlEscaped();
    }
    slide.text = text;
    slides_.push_back(std::move(slide));
  }
  board_->setImages(std::move(axial), std::move(ultrasound), std::move(overviews));
  board_->setPlan(&*s->plan, controller_.problems(), maxSessionsOf(s));  // shows them
  if (present_pending_) {
    present_pending_ = false;
    (void)present();
  }
}

void MainWindow::openFollowupFolder(int sessions_done) {
  const QString d = QFileDialog::getExistingDirectory(
      this, tr("Follow-up CT of the plan (DICOM folder or phantom folder)"));
  if (d.isEmpty()) return;
  setLayoutMode(Layout::kFollowup);
  controller_.openFollowup(d, sessions_done);
}

void MainWindow::openFollowupFromPacs(int sessions_done) {
  PacsDialog dialog(PacsDialog::Mode::kOpen, this);
  if (dialog.exec() != QDialog::Accepted || dialog.seriesUid().isEmpty()) return;
  setLayoutMode(Layout::kFollowup);
  controller_.openFollowupFromPacs(dialog.node(), dialog.studyUid(), dialog.seriesUid(),
                                   sessions_done);
}

void MainWindow::clearCachedPatientData() {
  const std::optional<workflow::CachePruneResult> r = controller_.clearCachedPatientData();
  if (!r) return;
  statusBar()->showMessage(
      tr("Cached patient data cleared: %1 item(s), %2 MB%3")
          .arg(r->removed)
          .arg(static_cast<double>(r->removed_bytes) / 1e6, 0, 'f', 1)
          .arg(r->errors.empty() ? QString() : tr("; not removed: %1").arg(qs(r->errors.front()))),
      15000);
}

CaseListDialog* MainWindow::showCases() {
  auto* d = new CaseListDialog(this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &CaseListDialog::openRequested, this, &MainWindow::openPath);
  d->show();
  return d;
}

PresentationDialog* MainWindow::present() {
  const workflow::CaseState* s = controller_.state();
  if (s == nullptr || !s->plan) {
    showError(tr("Presentation"), tr("There is no plan to present: plan the case first."));
    return nullptr;
  }
  if (slides_.empty()) {
    present_pending_ = true;  // shown when the pictures are made (in the background)
    refreshBoardImages();
    return nullptr;
  }
  auto* dialog = new PresentationDialog(slides_, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->showFullScreen();
  return dialog;
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
  const QString abs = QFileInfo(path).absoluteFilePath();
  recent.removeAll(abs);
  recent.prepend(abs);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue(QStringLiteral("recent"), recent);
  fillRecentMenu();
}

void MainWindow::fillRecentMenu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("recent")).toStringList();
  for (const QString& p : recent) {
    recent_menu_->addAction(p, this, [this, p] { openPath(p); });
  }
  recent_menu_->setEnabled(!recent.isEmpty());
}

bool MainWindow::confirmDiscard() {
  if (!controller_.unsavedChanges()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Unsaved plan"), tr("The plan has unsaved changes. Save them first?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) return controller_.savePlan();
  return true;
}

void MainWindow::offerRecovery() {
  const std::optional<QString> file = CaseController::autosavedPlan();
  if (!file) return;
  auto* box = new QMessageBox(
      QMessageBox::Question, tr("Recover the last plan?"),
      tr("rfaplan did not close cleanly last time. Open the plan autosaved at %1?\n\n%2")
          .arg(QFileInfo(*file).lastModified().toString(Qt::ISODate))
          .arg(*file),
      QMessageBox::Open | QMessageBox::Discard, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setObjectName(QStringLiteral("recovery-dialog"));
  connect(box, &QMessageBox::finished, this, [this, box] {
    if (box->clickedButton() == box->button(QMessageBox::Open)) {
      recoverAutosave();
    } else {
      CaseController::clearAutosave();
    }
  });
  box->open();
}

bool MainWindow::recoverAutosave() {
  const std::optional<QString> file = CaseController::autosavedPlan();
  if (!file) return false;
  controller_.open(*file);
  return true;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (controller_.busy()) controller_.cancel();
  if (!confirmDiscard()) {
    e->ignore();
    return;
  }
  controller_.waitIdle();
  // A clean exit: nothing to recover, no outgoing export left, the retrieved series pruned.
  CaseController::cleanExit();
  e->accept();
}

}  // namespace rfa::gui
