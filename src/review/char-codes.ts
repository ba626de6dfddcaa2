/** UTF-16 code units the diff scanners compare with `charCodeAt`. */
export const LF = 10
export const CR = 13
export const SPACE = 32
export const PLUS = 43
export const MINUS = 45
export const BACKSLASH = 92
