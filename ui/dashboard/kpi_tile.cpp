#include "dashboard/kpi_tile.h"

#include <QLabel>
#include <QVBoxLayout>

KpiTile::KpiTile(const QString& caption, QWidget* parent) : QFrame(parent), m_value(new QLabel(QStringLiteral("—"), this)) {
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(caption, this);
    label->setForegroundRole(QPalette::PlaceholderText);
    QFont font = m_value->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    m_value->setFont(font);
    m_value->setMinimumWidth(QFontMetrics(font).horizontalAdvance(QStringLiteral("$00000.0000")));
    layout->addWidget(label);
    layout->addWidget(m_value);
}

void KpiTile::setValue(const QString& text) {
    if (m_value->text() != text) m_value->setText(text);
}

QString KpiTile::value() const { return m_value->text(); }
