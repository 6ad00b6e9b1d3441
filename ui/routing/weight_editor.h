#pragma once
// A target's weight: a slider for quick moves and a spin box for exact numbers, kept in
// sync. valueChanged fires for the operator's edits only, never for setValue().
#include <QWidget>

class QSlider;
class QSpinBox;

class WeightEditor final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMax = 100;

    explicit WeightEditor(QWidget* parent = nullptr);
    void setValue(double weight);  // shown rounded; the draft keeps the exact value until edited
    int value() const;
    QSlider* slider() const { return m_slider; }
    QSpinBox* spinBox() const { return m_spin; }

signals:
    void valueChanged(int weight);

private:
    QSlider* m_slider;
    QSpinBox* m_spin;
};
