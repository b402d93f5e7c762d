#include "tests/train/test_train.h"

#include <ATen/Parallel.h>

void TestTrain::initTestCase() {
    at::set_num_threads(1);
}

QTEST_GUILESS_MAIN(TestTrain)
