#pragma once
// One LibTorch-linking test executable for core/train: the loss terms (test_losses.cpp)
// and the trainer (test_trainer.cpp).
#include <QtTest/QtTest>

class TestTrain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    // test_losses.cpp
    void ycbcrOfOnePixel();
    void sobelReplicatePadded();
    void ssimByHand();
    void fusionTermsByHand();
    void fidelityByHand();
    void temporalByHand();
    void totalAsTheCodeSumsIt();
    // test_trainer.cpp
    void learningRateSchedule();
    void configParsing();
    void clipsShareOneCrop();
    void fewStepsLowerTheLoss();
    void checkpointReloadsStrictly();
    void resumeMatchesUninterrupted();
};
