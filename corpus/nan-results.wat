;; NaNs produced by arithmetic: x86 and ARM produce different default NaNs. Under intersect and
;; frame samestack canonicalises them, so the bits agree; under native they differ.
(module
  (func (export "div00") (result f64) (f64.div (f64.const 0) (f64.const 0)))
  (func (export "sqrtneg") (param $x f32) (result f32) (f32.sqrt (f32.neg (local.get $x))))
  (func (export "minnan") (result f64) (f64.min (f64.const 1) (f64.div (f64.const 0) (f64.const 0)))))
