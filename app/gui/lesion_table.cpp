#include "lesion_table.h"

#include <QContextMenuEvent>
#include <QDrag>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHeaderView>
#include <QMenu>
#include <QMimeData>

namespace rfa::gui {

namespace {
enum Column { kId, kDiameter, kElectrode, kMargin, kPath, kFlag, kFound, kColumns };

int lesionIdOf(const QMimeData* m) {
  if (m == nullptr || !m->hasFormat(LesionTable::kMimeType)) return 0;
  return QString::fromUtf8(m->data(LesionTable::kMimeType)).toInt();
}
}  // namespace

QString marginText(const planning::PlanLesion& l) {
  QString t = QString::number(l.preview.minimal_margin_mm, 'f', 1);
  if (l.confirmation) {
    t += QObject::tr(" (sim %1)").arg(l.confirmation->margins.minimal_margin_mm, 0, 'f', 1);
  }
  return t;
}

LesionTable::LesionTable(int session, QWidget* parent) : QTreeWidget(parent), session_(session) {
  setColumnCount(kColumns);
  setHeaderLabels({tr("Lesion"), tr("Ø mm"), tr("Electrode × n"), tr("Margin mm"), tr("Path mm"),
                   tr("Flag"), tr("Found")});
  setRootIsDecorated(false);
  setAlternatingRowColors(true);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setDragEnabled(true);
  setAcceptDrops(true);
  setDropIndicatorShown(true);
  setDragDropMode(QAbstractItemView::DragDrop);
  header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  setObjectName(QStringLiteral("lesions-session-%1").arg(session));
  connect(this, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
    if (item != nullptr) emit lesionSelected(item->data(kId, Qt::UserRole).toInt());
  });
}

void LesionTable::setPlan(const planning::TreatmentPlan& plan, int max_sessions) {
  clear();
  // Sessions of a re-plan are numbered after the earlier ones (PlanSettings::prior_sessions).
  first_session_ = plan.settings.prior_sessions + 1;
  last_session_ = plan.settings.prior_sessions + static_cast<int>(plan.sessions.size());
  max_sessions_ = max_sessions;
  detection_.clear();
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.session != session_) continue;
    detection_[l.id] = l.detection;
    auto* item = new QTreeWidgetItem(this);
    item->setText(kId, QStringLiteral("L%1").arg(l.id));
    item->setData(kId, Qt::UserRole, l.id);
    item->setText(kDiameter, QString::number(l.diameter_mm, 'f', 1));
    if (!l.placements.empty()) {
      item->setText(kElectrode, QStringLiteral("%1 × %2")
                                    .arg(QString::fromStdString(l.placements.front().electrode))
                                    .arg(l.placements.size()));
      double longest = 0;
      for (const auto& p : l.placements) longest = std::max(longest, p.path_length_mm);
      item->setText(kPath, QString::number(longest, 'f', 0));
    } else {
      item->setText(kElectrode, tr("—"));
    }
    item->setText(kMargin, marginText(l));
    const bool flagged = l.flag != planning::LesionFlag::kNone;
    item->setText(kFlag, flagged ? QString::fromStdString(planning::toString(l.flag)) : QString());
    if (flagged) {
      item->setToolTip(kFlag, QString::fromStdString(l.reason));
      item->setForeground(kFlag, QBrush(QColor(200, 60, 20)));
    }
    item->setText(kFound, QString::fromStdString(planning::toString(l.detection)));
    if (!l.detection_reason.empty()) {
      item->setToolTip(kFound, QString::fromStdString(l.detection_reason));
    }
    if (l.detection == planning::Detection::kToReview) {
      item->setForeground(kFound, QBrush(QColor(210, 120, 0)));
      QFont bold = item->font(kFound);
      bold.setBold(true);
      item->setFont(kFound, bold);
    }
  }
}

std::vector<int> LesionTable::lesionIds() const {
  std::vector<int> ids;
  ids.reserve(static_cast<std::size_t>(topLevelItemCount()));
  for (int i = 0; i < topLevelItemCount(); ++i) {
    ids.push_back(topLevelItem(i)->data(kId, Qt::UserRole).toInt());
  }
  return ids;
}

void LesionTable::startDrag(Qt::DropActions /*actions*/) {
  QTreeWidgetItem* item = currentItem();
  if (item == nullptr) return;
  auto* mime = new QMimeData;
  mime->setData(kMimeType, QByteArray::number(item->data(kId, Qt::UserRole).toInt()));
  mime->setText(item->text(kId));
  auto* drag = new QDrag(this);
  drag->setMimeData(mime);
  drag->exec(Qt::MoveAction);
}

void LesionTable::dragEnterEvent(QDragEnterEvent* e) {
  if (lesionIdOf(e->mimeData()) > 0 && e->source() != this && session_ > 0) {
    e->acceptProposedAction();
  } else {
    e->ignore();
  }
}

void LesionTable::dragMoveEvent(QDragMoveEvent* e) {
  if (lesionIdOf(e->mimeData()) > 0 && e->source() != this && session_ > 0) {
    e->acceptProposedAction();
  } else {
    e->ignore();
  }
}

void LesionTable::dropEvent(QDropEvent* e) {
  const int id = lesionIdOf(e->mimeData());
  if (id <= 0 || e->source() == this || session_ <= 0) {
    e->ignore();
    return;
  }
  e->acceptProposedAction();
  emit moveRequested(id, session_);
}

std::vector<int> LesionTable::moveTargets() const {
  std::vector<int> out;
  const int last = std::min(last_session_ + 1, max_sessions_);
  for (int s = first_session_; s <= last; ++s) {
    if (s != session_) out.push_back(s);
  }
  return out;
}

void LesionTable::fillMenu(QMenu& menu, int id) {
  const auto found = detection_.find(id);
  const bool to_review =
      found != detection_.end() && found->second == planning::Detection::kToReview;
  const bool automatic =
      found != detection_.end() && found->second == planning::Detection::kAutomatic;
  for (const int s : moveTargets()) {
    QString text;
    if (to_review) {
      text = s > last_session_ ? tr("Accept L%1 into a new session %2").arg(id).arg(s)
                               : tr("Accept L%1 into session %2").arg(id).arg(s);
    } else {
      text = s > last_session_ ? tr("Move L%1 to a new session %2").arg(id).arg(s)
                               : tr("Move L%1 to session %2").arg(id).arg(s);
    }
    QAction* a = menu.addAction(text);
    connect(a, &QAction::triggered, this, [this, id, s] { emit moveRequested(id, s); });
  }
  if (automatic || to_review) {
    menu.addSeparator();
    QAction* a = menu.addAction(tr("Reject L%1: not a lesion (remove it)").arg(id));
    connect(a, &QAction::triggered, this, [this, id] { emit rejectRequested(id); });
  }
}

void LesionTable::contextMenuEvent(QContextMenuEvent* e) {
  QTreeWidgetItem* item = itemAt(e->pos());
  if (item == nullptr) return;
  QMenu menu(this);
  fillMenu(menu, item->data(kId, Qt::UserRole).toInt());
  menu.exec(e->globalPos());
}

}  // namespace rfa::gui
