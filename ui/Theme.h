#pragma once
// Dark neutral theme for image inspection (Fusion style, grey palette: colours on screen
// are judged against neutral surroundings).
class QApplication;
namespace vf::ui {
void applyDarkTheme(QApplication& app);
}
