/** UTF-16 code units the diff scanners compare with `charCodeAt`. */
export const TAB = 9
export const LF = 10
export const CR = 13
export const SPACE = 32
export const QUOTE = 34
export const PLUS = 43
export const COMMA = 44
export const MINUS = 45
export const DIGIT_0 = 48
export const DIGIT_9 = 57
export const AT = 64
export const BACKSLASH = 92
export const LOWER_D = 100
export const LOWER_I = 105
