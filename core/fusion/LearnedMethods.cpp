#include "core/fusion/LearnedMethods.h"

#include "core/fusion/FusionMethod.h"

namespace vf::fusion {

void registerLearnedMethods(MethodRegistry& reg) {
    (void)reg; // the learned methods are being ported; registered here as they land
}

} // namespace vf::fusion
