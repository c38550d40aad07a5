#include "sessions_widget.h"

#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "lesion_table.h"

namespace rfa::gui {

namespace {
QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

QString percent(double fraction) {
  return QString::number(100.0 * fraction, 'f', 1) + " %";
}
}  // namespace

SessionsWidget::SessionsWidget(Mode mode, QWidget* parent) : QWidget(parent), mode_(mode) {
  auto* layout = new QVBoxLayout(this);
  header_ = new QLabel(tr("No plan yet: open a case, segment its lesions and press Plan."), this);
  header_->setWordWrap(true);
  layout->addWidget(header_);
  if (mode_ == Mode::kTabs) {
    tabs_ = new QTabWidget(this);
    tabs_->tabBar()->setChangeCurrentOnDrag(true);
    tabs_->tabBar()->setAcceptDrops(true);
    tabs_->setMinimumWidth(420);
    layout->addWidget(tabs_, 1);
  } else {
    auto* buttons = new QHBoxLayout;
    auto* present = new QPushButton(tr("Presentation mode"), this);
    present->setObjectName(QStringLiteral("board-present"));
    present->setToolTip(tr("Full screen, large type, one lesion at a time (arrow keys, Esc)"));
    auto* report = new QPushButton(tr("Report (PDF)…"), this);
    report->setObjectName(QStringLiteral("board-report"));
    report->setToolTip(
        tr("The tumour-board report of the saved plan: these sessions, key images, "
           "ultrasound and 3D views"));
    connect(present, &QPushButton::clicked, this, &SessionsWidget::presentRequested);
    connect(report, &QPushButton::clicked, this, &SessionsWidget::reportRequested);
    buttons->addWidget(present);
    buttons->addWidget(report);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    auto* holder = new QWidget(this);
    columns_ = new QHBoxLayout(holder);
    columns_->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(holder, 1);
  }
  problems_ = new QLabel(this);
  problems_->setWordWrap(true);
  problems_->setStyleSheet(QStringLiteral("color: #b03010"));
  problems_->setObjectName(QStringLiteral("plan-problems"));
  layout->addWidget(problems_);
  setObjectName(mode_ == Mode::kTabs ? QStringLiteral("sessions-tabs")
                                     : QStringLiteral("sessions-board"));
}

void SessionsWidget::setImages(std::map<int, QImage> axial, std::map<int, QImage> ultrasound,
                               std::map<int, QImage> overviews) {
  axial_ = std::move(axial);
  ultrasound_ = std::move(ultrasound);
  overviews_ = std::move(overviews);
}

QLabel* SessionsWidget::thumbnail(int lesion_id, bool ultrasound) const {
  const auto it = thumbs_.find({lesion_id, ultrasound});
  return it == thumbs_.end() ? nullptr : it->second;
}

QWidget* SessionsWidget::gallery(const planning::TreatmentPlan& plan, int session,
                                 QWidget* parent) {
  auto* area = new QScrollArea(parent);
  area->setWidgetResizable(true);
  auto* inner = new QWidget(area);
  auto* grid = new QGridLayout(inner);
  int row = 0;
  constexpr int kThumb = 160;
  const auto picture = [&](const QImage& img, const QString& name, int width) {
    auto* label = new QLabel(inner);
    label->setPixmap(QPixmap::fromImage(img).scaledToWidth(width, Qt::SmoothTransformation));
    label->setObjectName(name);
    return label;
  };
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.session != session) continue;
    const auto a = axial_.find(l.id);
    if (a == axial_.end()) continue;
    QLabel* axial = picture(a->second, QStringLiteral("thumb-axial-L%1").arg(l.id), kThumb);
    thumbs_[{l.id, false}] = axial;
    grid->addWidget(axial, row, 0);
    const auto u = ultrasound_.find(l.id);
    if (u != ultrasound_.end()) {
      QLabel* us = picture(u->second, QStringLiteral("thumb-ultrasound-L%1").arg(l.id), kThumb);
      thumbs_[{l.id, true}] = us;
      grid->addWidget(us, row, 1);
    }
    QString text = tr("<b>L%1</b> \u00b7 %2 mm \u00b7 %3 ablation(s)")
                       .arg(l.id)
                       .arg(l.diameter_mm, 0, 'f', 0)
                       .arg(l.placements.size());
    if (!l.placements.empty()) {
      text += tr("<br>margin %1 mm").arg(l.preview.minimal_margin_mm, 0, 'f', 1);
      if (l.confirmation) {
        text += tr(" (simulated %1)").arg(l.confirmation->margins.minimal_margin_mm, 0, 'f', 1);
      }
      if (l.uncertainty) {
        text += tr(", P(\u2265 %1 mm) %2")
                    .arg(plan.settings.minimum_margin_mm, 0, 'f', 0)
                    .arg(l.uncertainty->probability_margin_ok, 0, 'f', 2);
      }
    }
    if (l.ultrasound) {
      const planning::PlanUltrasound& w = *l.ultrasound;
      text += w.access.empty() ? tr("<br>ultrasound: no probe window")
                               : tr("<br>ultrasound: %1, lesion %2 %, needle %3 %")
                                     .arg(qs(w.access))
                                     .arg(100 * w.lesion_visible, 0, 'f', 0)
                                     .arg(100 * w.needle_visible, 0, 'f', 0);
      for (const std::string& f : w.flags) text += "<br><i>" + qs(f).toHtmlEscaped() + "</i>";
    }
    if (l.flag != planning::LesionFlag::kNone) {
      text += "<br><i>" + qs(planning::toString(l.flag)).toHtmlEscaped() +
              "</i>: " + qs(l.reason).toHtmlEscaped();
    }
    auto* caption = new QLabel(text, inner);
    caption->setWordWrap(true);
    caption->setTextFormat(Qt::RichText);
    grid->addWidget(caption, row, 2);
    ++row;
  }
  const auto o = overviews_.find(session);
  if (o != overviews_.end()) {
    QLabel* overview =
        picture(o->second, QStringLiteral("board-overview-S%1").arg(session), 2 * kThumb);
    grid->addWidget(overview, row, 0, 1, 3);
  }
  grid->setColumnStretch(2, 1);
  area->setWidget(inner);
  area->setMinimumHeight(row > 0 ? 2 * kThumb : 0);
  return area;
}

LesionTable* SessionsWidget::table(int session) const {
  for (LesionTable* t : tables_) {
    if (t->session() == session) return t;
  }
  return nullptr;
}

int SessionsWidget::currentSession() const {
  if (tabs_ == nullptr || tabs_->currentIndex() < 0) return 0;
  return tabs_->currentWidget()->property("session").toInt();
}

void SessionsWidget::showSession(int index) {
  if (tabs_ == nullptr) return;
  for (int i = 0; i < tabs_->count(); ++i) {
    if (tabs_->widget(i)->property("session").toInt() == index) tabs_->setCurrentIndex(i);
  }
}

QWidget* SessionsWidget::sessionPage(const planning::TreatmentPlan& plan,
                                     const planning::PlanSession* s, int max_sessions) {
  const int index = s != nullptr ? s->index : 0;
  QWidget* page = nullptr;
  QVBoxLayout* v = nullptr;
  if (mode_ == Mode::kBoard) {
    auto* box = new QGroupBox(index > 0 ? tr("Session %1").arg(index) : tr("Not scheduled"));
    page = box;
  } else {
    page = new QWidget;
  }
  page->setProperty("session", index);
  v = new QVBoxLayout(page);
  auto* table = new LesionTable(index, page);
  table->setPlan(plan, max_sessions);
  connect(table, &LesionTable::moveRequested, this, &SessionsWidget::moveRequested);
  connect(table, &LesionTable::rejectRequested, this, &SessionsWidget::rejectRequested);
  connect(table, &LesionTable::lesionSelected, this, &SessionsWidget::lesionSelected);
  tables_.push_back(table);
  v->addWidget(table, 1);
  if (mode_ == Mode::kBoard && !axial_.empty()) v->addWidget(gallery(plan, index, page), 2);

  QString text;
  if (s != nullptr) {
    text += tr("<b>Ablated</b> %1 mL = %2 of the liver (limit %3)<br>")
                .arg(s->ablated_volume_ml, 0, 'f', 1)
                .arg(percent(s->liver_fraction))
                .arg(percent(plan.settings.max_ablated_liver_fraction));
    text += tr("<b>Labs</b>: %1").arg(qs(planning::toString(s->decision)).toHtmlEscaped());
    if (!s->lab_date.empty()) text += tr(" (%1)").arg(qs(s->lab_date));
    text += "<br><b>" + tr("Why together") + "</b>:<ul style='margin:0'>";
    for (const std::string& r : s->reasons) text += "<li>" + qs(r).toHtmlEscaped() + "</li>";
    text += "</ul>";
  } else {
    for (const planning::PlanUnplaced& u : plan.unplaced) {
      text += tr("L%1: %2<br>").arg(u.id).arg(qs(u.reason).toHtmlEscaped());
    }
    if (plan.unplaced.empty()) text = tr("Every lesion is scheduled.");
  }
  QStringList flagged;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.session == index && l.flag != planning::LesionFlag::kNone) {
      flagged << tr("L%1 <i>%2</i>: %3")
                     .arg(l.id)
                     .arg(qs(planning::toString(l.flag)).toHtmlEscaped())
                     .arg(qs(l.reason).toHtmlEscaped());
    }
  }
  if (!flagged.isEmpty()) text += "<br><b>" + tr("Flags") + "</b>:<br>" + flagged.join("<br>");
  auto* summary = new QLabel(text, page);
  summary->setWordWrap(true);
  summary->setTextFormat(Qt::RichText);
  summary->setObjectName(QStringLiteral("session-summary-%1").arg(index));
  v->addWidget(summary);

  if (mode_ == Mode::kBoard && s != nullptr) {
    auto* row = new QHBoxLayout;
    auto* status = new QComboBox(page);
    // Each item's data: the status's word in the plan file.
    status->addItem(tr("not reviewed"),
                    qs(planning::toString(planning::ReviewStatus::kNotReviewed)));
    status->addItem(tr("approved"), qs(planning::toString(planning::ReviewStatus::kApproved)));
    status->addItem(tr("rejected"), qs(planning::toString(planning::ReviewStatus::kRejected)));
    status->setCurrentIndex(
        std::max(0, status->findData(qs(planning::toString(s->review_status)))));
    status->setObjectName(QStringLiteral("review-status-%1").arg(index));
    auto* comment = new QLineEdit(qs(s->review_comment), page);
    comment->setPlaceholderText(tr("Tumour-board comment"));
    comment->setObjectName(QStringLiteral("review-comment-%1").arg(index));
    row->addWidget(new QLabel(tr("Review:"), page));
    row->addWidget(status);
    row->addWidget(comment, 1);
    v->addLayout(row);
    auto emitReview = [this, index, status, comment] {
      emit reviewChanged(index, status->currentData().toString(), comment->text());
    };
    connect(status, &QComboBox::currentIndexChanged, this, emitReview);
    connect(comment, &QLineEdit::editingFinished, this, emitReview);
  }
  return page;
}

void SessionsWidget::setPlan(const planning::TreatmentPlan* plan, const QStringList& problems,
                             int max_sessions) {
  const int shown = currentSession();
  tables_.clear();
  thumbs_.clear();
  // Out of the window at once (deleteLater alone would leave them shown, and findable, until the
  // event loop runs).
  for (QWidget* p : pages_) {
    p->hide();
    if (columns_ != nullptr) columns_->removeWidget(p);
    p->setParent(nullptr);
    p->deleteLater();
  }
  pages_.clear();
  if (tabs_ != nullptr) tabs_->clear();
  if (plan == nullptr) {
    header_->setText(tr("No plan yet: open a case, segment its lesions and press Plan."));
    problems_->clear();
    return;
  }
  const int prior = plan->settings.prior_sessions;
  header_->setText(
      tr("<b>%1</b> lesion(s) in <b>%2</b> session(s)%7; cumulative %3 mL = %4 of "
         "the liver (%5 mL)%6")
          .arg(plan->lesions.size())
          .arg(plan->sessions.size())
          .arg(plan->cumulative_volume_ml, 0, 'f', 1)
          .arg(percent(plan->cumulative_liver_fraction))
          .arg(plan->liver_volume_ml, 0, 'f', 0)
          .arg(plan->settings.confirmed ? tr("; bioheat-confirmed") : tr("; preview model"))
          .arg(prior > 0 ? tr(" after %1 earlier session(s) (%2 mL ablated then)")
                               .arg(prior)
                               .arg(plan->settings.prior_ablated_volume_ml, 0, 'f', 1)
                         : QString()));
  for (const planning::PlanSession& s : plan->sessions) {
    QWidget* page = sessionPage(*plan, &s, max_sessions);
    pages_.push_back(page);
    if (tabs_ != nullptr) {
      tabs_->addTab(page, tr("Session %1 (%2)").arg(s.index).arg(s.lesion_ids.size()));
    } else {
      columns_->addWidget(page, 1);
    }
  }
  if (!plan->unplaced.empty() || tabs_ != nullptr) {
    QWidget* page = sessionPage(*plan, nullptr, max_sessions);
    pages_.push_back(page);
    if (tabs_ != nullptr) {
      tabs_->addTab(page, tr("Not scheduled (%1)").arg(plan->unplaced.size()));
    } else {
      columns_->addWidget(page, 1);
    }
  }
  problems_->setText(problems.isEmpty() ? QString() : problems.join("\n"));
  showSession(shown > 0 || plan->sessions.empty() ? shown : plan->sessions.front().index);
}

}  // namespace rfa::gui
