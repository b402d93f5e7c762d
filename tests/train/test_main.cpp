#include "tests/train/test_train.h"

#include <ATen/Parallel.h>

void TestTrain::initTestCase() {
    at::set_num_threads(1);
}

int runDefaultWeightsTests(int argc, char** argv); // test_default_weights.cpp

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    TestTrain t;
    int rc = QTest::qExec(&t, argc, argv);
    rc |= runDefaultWeightsTests(argc, argv);
    return rc;
}
