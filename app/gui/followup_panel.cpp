// The "Follow-up" page (followup_panel.h).
#include "followup_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "case_controller.h"
#include "gui_convert.h"
#include "rfa/render/views.h"
#include "rfa/workflow/followup_review.h"
#include "vtk_view_widget.h"

namespace rfa::gui {

namespace {

QString mm1(double v) {
  return QString::number(v, 'f', 1);
}

QColor colourOf(const workflow::SceneColour& c) {
  return QColor::fromRgbF(static_cast<float>(c[0]), static_cast<float>(c[1]),
                          static_cast<float>(c[2]));
}

}  // namespace

FollowupPanel::FollowupPanel(CaseController& controller, QWidget* parent)
    : QWidget(parent), controller_(controller) {
  auto* layout = new QVBoxLayout(this);
  registration_ = new QLabel;
  registration_->setWordWrap(true);
  registration_->setTextFormat(Qt::PlainText);
  layout->addWidget(registration_);

  views_ = new QSplitter(Qt::Horizontal);
  views_->setMinimumHeight(280);
  auto* bottom = new QSplitter(Qt::Horizontal);
  table_ = new QTableWidget(0, 7);
  table_->setHorizontalHeaderLabels({tr("Lesion"), tr("Session"), tr("MAM (mm)"), tr("Verdict"),
                                     tr("Status"), tr("Diameter (mm)"), tr("Why")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) { showRow(row); });
  timeline_ = new QListWidget;
  bottom->addWidget(table_);
  bottom->addWidget(timeline_);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);

  auto* vertical = new QSplitter(Qt::Vertical);
  vertical->addWidget(views_);
  vertical->addWidget(bottom);
  vertical->setStretchFactor(0, 3);
  vertical->setStretchFactor(1, 2);
  layout->addWidget(vertical, 1);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(new QLabel(tr("Sessions done before the follow-up:")));
  sessions_done_ = new QSpinBox;
  sessions_done_->setRange(0, 3);
  sessions_done_->setValue(1);
  buttons->addWidget(sessions_done_);
  auto* open = new QPushButton(tr("Open follow-up folder…"));
  open->setObjectName(QStringLiteral("open-followup"));
  connect(open, &QPushButton::clicked, this, [this] { emit openFolderRequested(sessionsDone()); });
  buttons->addWidget(open);
  auto* pacs = new QPushButton(tr("Follow-up from PACS…"));
  connect(pacs, &QPushButton::clicked, this,
          [this] { emit openFromPacsRequested(sessionsDone()); });
  buttons->addWidget(pacs);
  buttons->addStretch(1);
  plan_next_ = new QPushButton(tr("Plan next session"));
  plan_next_->setObjectName(QStringLiteral("plan-next-session"));
  plan_next_->setToolTip(
      tr("Plans the lesions still to treat on the follow-up (as rfaplan followup --next-plan), "
         "with the sessions and ablated volume used so far counted"));
  connect(plan_next_, &QPushButton::clicked, this, [this] { controller_.planNextSession(false); });
  buttons->addWidget(plan_next_);
  plan_next_confirm_ = new QPushButton(tr("… and confirm with simulation"));
  connect(plan_next_confirm_, &QPushButton::clicked, this,
          [this] { controller_.planNextSession(true); });
  buttons->addWidget(plan_next_confirm_);
  layout->addLayout(buttons);

  connect(&controller_, &CaseController::followupReady, this, &FollowupPanel::refresh);
  connect(&controller_, &CaseController::caseOpened, this, &FollowupPanel::refresh);
  connect(&controller_, &CaseController::busyChanged, this, [this](bool busy, const QString&) {
    const bool can_plan = !busy && controller_.followup() != nullptr;
    plan_next_->setEnabled(can_plan);
    plan_next_confirm_->setEnabled(can_plan);
  });
  refresh();
}

int FollowupPanel::sessionsDone() const {
  return sessions_done_->value();
}

void FollowupPanel::refresh() {
  const auto review = controller_.followup();
  if (const workflow::CaseState* s = controller_.busy() ? nullptr : controller_.state();
      s != nullptr && s->plan) {
    sessions_done_->setMaximum(std::max(1, static_cast<int>(s->plan->sessions.size())));
  }
  plan_next_->setEnabled(review != nullptr && !controller_.busy());
  plan_next_confirm_->setEnabled(plan_next_->isEnabled());
  if (!review) {
    registration_->setStyleSheet({});
    registration_->setText(
        controller_.hasCase()
            ? tr("No follow-up yet. Save the plan, then open the follow-up CT (folder or PACS): it "
                 "is registered to the planning CT, the ablation zones and minimal ablative "
                 "margins are measured, the lesions matched (RECIST 1.1 / mRECIST). RESEARCH USE "
                 "ONLY.")
            : tr("Open a saved plan first (File > Open plan)."));
    table_->setRowCount(0);
    timeline_->clear();
    rebuildViews();
    return;
  }
  QString text = tr("Follow-up %1 after %2 session(s). Registration: %3")
                     .arg(qs(review->followup_input))
                     .arg(review->timepoint().sessions_done)
                     .arg(qs(review->registration_summary));
  for (const std::string& w : review->warnings) text += "\nwarning: " + qs(w);
  registration_->setText(text);
  registration_->setStyleSheet(review->registration_poor
                                   ? QStringLiteral("QLabel { background: #b00020; color: white; "
                                                    "font-weight: bold; padding: 4px; }")
                                   : QStringLiteral("QLabel { padding: 4px; }"));
  rebuildViews();
  fillTable();
  fillTimeline();
  if (table_->rowCount() > 0) showRow(0);
}

void FollowupPanel::rebuildViews() {
  const std::shared_ptr<render::Scene> planning =
      controller_.followup() ? controller_.scene() : nullptr;
  const std::shared_ptr<render::Scene> followup = controller_.followupScene();
  if (planning == planning_scene_ && followup == followup_scene_) return;
  for (VtkViewWidget** v : {&planning_view_, &followup_view_, &followup_3d_}) {
    delete *v;
    *v = nullptr;
  }
  planning_scene_ = planning;
  followup_scene_ = followup;
  if (!planning || !followup) return;
  planning_view_ = new VtkViewWidget(planning, render::Orientation::kAxial);
  followup_view_ = new VtkViewWidget(followup, render::Orientation::kAxial);
  followup_3d_ = new VtkViewWidget(followup, std::nullopt);
  planning_view_->setObjectName(QStringLiteral("followup-planning-axial"));
  followup_view_->setObjectName(QStringLiteral("followup-axial"));
  followup_3d_->setObjectName(QStringLiteral("followup-3d"));
  for (VtkViewWidget* v : {planning_view_, followup_view_, followup_3d_}) views_->addWidget(v);
  const render::WindowLevel liver = render::presetWindowLevel("liver");
  for (VtkViewWidget* v : {planning_view_, followup_view_}) {
    v->sliceView()->setWindowLevel(liver);
    connect(v, &VtkViewWidget::cursorMoved, this, &FollowupPanel::setCursor);
    connect(v, &VtkViewWidget::windowLevelChanged, this, [this](double w, double l) {
      for (VtkViewWidget* s : {planning_view_, followup_view_}) {
        s->sliceView()->setWindowLevel({w, l});
        s->update();
      }
    });
  }
  // Surfaces only: GPU ray casting of the CT on a software rasteriser takes seconds per frame.
  followup_3d_->volumeView()->setVolumeVisible(false);
  const auto review = controller_.followup();
  followup_3d_->focusOn(review->focus_min_lps, review->focus_max_lps);
}

void FollowupPanel::setCursor(const Vec3& p_lps) {
  for (VtkViewWidget* v : {planning_view_, followup_view_}) {
    if (v == nullptr) continue;
    v->sliceView()->setCursorLps(p_lps);
    v->update();
  }
}

void FollowupPanel::showRow(int row) {
  const auto review = controller_.followup();
  if (!review || row < 0 || row >= static_cast<int>(review->rows.size())) return;
  const workflow::FollowupLesionRow& r = review->rows[static_cast<std::size_t>(row)];
  if (r.mam_point_lps) {
    setCursor(*r.mam_point_lps);
  } else if (r.centre_lps) {
    setCursor(*r.centre_lps);
  }
  table_->selectRow(row);
}

void FollowupPanel::fillTable() {
  const auto review = controller_.followup();
  const workflow::MarginBins bins{review->threshold_mm};
  table_->setRowCount(static_cast<int>(review->rows.size()));
  int row = 0;
  for (const workflow::FollowupLesionRow& r : review->rows) {
    const QString name =
        r.lesion_id != 0 ? tr("L%1").arg(r.lesion_id) : tr("new (follow-up %1)").arg(r.followup_id);
    const QString mam = r.mam_mm ? mm1(*r.mam_mm) : (r.treated ? tr("n/a") : QString());
    QString diameter = mm1(r.baseline_diameter_mm) + QStringLiteral(" → ") + mm1(r.diameter_mm);
    if (r.lesion_id == 0) diameter = mm1(r.diameter_mm);
    QString why = qs(r.reason);
    for (const std::string& w : r.warnings) why += QStringLiteral("; ") + qs(w);
    const QStringList cells{name,         r.session > 0 ? QString::number(r.session) : QString(),
                            mam,          qs(r.verdict),
                            qs(r.status), diameter,
                            why};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setToolTip(cells[c]);
      table_->setItem(row, c, item);
    }
    if (r.mam_mm) {
      table_->item(row, 2)->setBackground(colourOf(bins.colourOf(bins.labelOf(*r.mam_mm))));
      table_->item(row, 2)->setForeground(Qt::black);
    }
    ++row;
  }
  table_->resizeColumnsToContents();
}

void FollowupPanel::fillTimeline() {
  const auto review = controller_.followup();
  timeline_->clear();
  const auto& tp = review->timepoint();
  timeline_->addItem(tr("RECIST 1.1: %1 (%2)  |  mRECIST: %3 (%4)")
                         .arg(qs(tp.response.recist.category))
                         .arg(qs(tp.response.recist.reason))
                         .arg(qs(tp.response.mrecist.category))
                         .arg(qs(tp.response.mrecist.reason)));
  for (const workflow::TimelineEntry& e : review->entries) {
    QString when = !e.date.empty() ? qs(e.date) : e.day >= 0 ? tr("day %1").arg(e.day) : QString();
    auto* item = new QListWidgetItem(
        (e.done ? QStringLiteral("✔ ") : QStringLiteral("   ")) +
        (when.isEmpty() ? QString() : when + QStringLiteral("  ")) + qs(e.kind) +
        (e.session > 0 ? tr(" (session %1)").arg(e.session) : QString()) + QStringLiteral(": ") +
        qs(e.text));
    if (e.kind == "follow-up" || e.kind == "next session") {
      QFont f = item->font();
      f.setBold(true);
      item->setFont(f);
    }
    timeline_->addItem(item);
  }
}

}  // namespace rfa::gui
