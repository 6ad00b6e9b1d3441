#include "routing/weight_editor.h"

#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include <algorithm>
#include <cmath>

WeightEditor::WeightEditor(QWidget* parent)
    : QWidget(parent), m_slider(new QSlider(Qt::Horizontal, this)), m_spin(new QSpinBox(this)) {
    m_slider->setRange(0, kMax);
    m_slider->setPageStep(10);
    m_spin->setRange(0, kMax);
    m_spin->setAccelerated(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(2, 0, 2, 0);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spin);
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        const QSignalBlocker block(m_spin);
        m_spin->setValue(v);
        emit valueChanged(v);
    });
    connect(m_spin, &QSpinBox::valueChanged, this, [this](int v) {
        const QSignalBlocker block(m_slider);
        m_slider->setValue(v);
        emit valueChanged(v);
    });
}

void WeightEditor::setValue(double weight) {
    const int v = int(std::lround(std::clamp(weight, 0.0, double(kMax))));
    if (v == m_spin->value() && v == m_slider->value()) return;
    const QSignalBlocker blockSlider(m_slider);
    const QSignalBlocker blockSpin(m_spin);
    m_slider->setValue(v);
    m_spin->setValue(v);
}

int WeightEditor::value() const { return m_spin->value(); }
